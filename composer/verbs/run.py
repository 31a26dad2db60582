"""`compose run`'s own step: one container of a service, made as a one-off and started.

What the one-off needs is made first, as Compose v2 does on a project never brought up:
its networks and named volumes (the driver makes volumes with the container's spec).
Its dependencies are `up`'s business; the CLI asks `up` for them before this.
"""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.drivers.protocol import Driver, Reporter
from composer.plan.networks import network_keys


def run_one_off(
    project: Project, service: Service, reporter: Reporter, driver: Driver,
    stdin: int | None = None, use_aliases: bool = False, pull: str | None = None, build: bool = False,
) -> str:
    """Create and start `service` (already given its one-off name and command); its
    container's name. stdin: the fd its process reads (None: /dev/null)."""
    keys = network_keys(project, [service], {service.name})
    missing_networks = driver.missing_networks(project, keys)
    for network in missing_networks:
        reporter.status("Network", network, "Creating")
    driver.ensure_networks(project, keys)
    for network in missing_networks:
        reporter.status("Network", network, "Created")
    missing = set(driver.missing_volumes(project))
    image = driver.image_for(project, service, pull, reporter, build)
    spec = driver.desired_containers(project, service, 1, image)[0]
    for volume in sorted(missing - set(driver.missing_volumes(project))):
        reporter.status("Volume", volume, "Created")
    if service.ports:  # -p / --service-ports: published while it runs
        driver.check_ports_free(project)
    driver.create_container(project, service, spec, image, oneoff=True, use_aliases=use_aliases)
    driver.flush_names(project)  # the others know its name before it runs
    driver.runtime.start(spec.name, stdin=stdin)
    if service.ports:  # once it runs: a published port forwards to running containers only
        driver.publish_ports(project)
    return spec.name
