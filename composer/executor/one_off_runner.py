"""Carrying out `compose run`'s Plan (plan/one_off.py) through the driver, in the plan's
order; the first failure ends it (a ComposerError, one line). Nothing here prints: progress
goes to the Reporter the CLI supplies."""

from __future__ import annotations

from composer.config.model import Project
from composer.drivers.protocol import Driver, Reporter
from composer.plan import actions as act


def run_one_off_plan(project: Project, plan: act.Plan, reporter: Reporter, driver: Driver,
                     stdin: int | None = None, pull: str | None = None, build: bool = False) -> str:
    """The one-off's container name, once it runs. stdin: the fd its process reads (None: /dev/null)."""
    image = spec = None
    volumes = [a.name for a in plan.of(act.CreateVolume)]
    for action in plan.actions:
        if isinstance(action, act.CreateNetworks):
            for network in action.names:
                reporter.status("Network", network, "Creating")
            driver.ensure_networks(project, action.keys)
            for network in action.names:
                reporter.status("Network", network, "Created")
        elif isinstance(action, act.EnsureImage):
            image = driver.image_for(project, project.services[action.service], pull, reporter, build)
        elif isinstance(action, act.BindSpecs):  # the driver makes the named volumes with the spec
            spec = driver.desired_containers(project, project.services[action.service], action.replicas, image)[0]
            still_missing = set(driver.missing_volumes(project)) if volumes else set()
            for volume in sorted(set(volumes) - still_missing):
                reporter.status("Volume", volume, "Created")
        elif isinstance(action, act.CheckPortsFree):
            driver.check_ports_free(project)
        elif isinstance(action, act.CreateOneOff):
            driver.create_container(project, project.services[action.service], spec, image, oneoff=True, use_aliases=action.use_aliases)
            driver.flush_names(project)  # the others know its name before it runs
            driver.runtime.start(spec.name, stdin=stdin)
        elif isinstance(action, act.PublishPorts):
            driver.publish_ports(project)
    return spec.name
