"""Carrying out the plans of `down` and of the verbs on existing containers (plan/teardown.py).

A stage's containers go in parallel (for_each); the next stage starts when it has ended,
whatever failed. Failures come back as container name → one line. Nothing here prints.
"""

from __future__ import annotations

from collections.abc import Callable

from composer.config.model import Project
from composer.drivers.protocol import Driver, Reporter
from composer.errors import ComposerError
from composer.executor.tasks import for_each
from composer.plan import actions as act
from composer.plan.teardown import stages


def run_down(project: Project, plan: act.Plan, driver: Driver, reporter: Reporter, timeout: float | None = None) -> dict[str, str]:
    failures: dict[str, str] = {}

    def remove(action: act.RemoveExisting) -> None:
        driver.runtime.stop(action.name, timeout)
        driver.remove_container(project.name, action.name, tell_others=False)
        reporter.status("Container", action.name, "Removed")

    for action in plan.of(act.KeepOrphan):  # orphans are the first stop generation
        reporter.status("Container", action.name, "Orphan kept (use --remove-orphans)")
    for stage in stages(plan.of(act.RemoveExisting)):
        failures.update(for_each(stage, remove))
    for _ in plan.of(act.StopProxies):
        for kind, name in driver.stop_proxies(project.name):
            reporter.status(kind, name, "Stopped")
    for _ in plan.of(act.RemoveNetworks):
        try:  # even when a container would not go: what is left of the network goes
            remaining = {state.name for state in driver.containers(project.name)}
            for name in driver.remove_networks(project, keep=remaining):
                reporter.status("Network", name, "Removed")
        except ComposerError as exc:
            failures["network"] = exc.one_line()
    for _ in plan.of(act.RemoveVolumes):
        for name in driver.remove_volumes(project):
            reporter.status("Volume", name, "Removed")
    driver.flush_names(project)  # before the project's directory goes: a late rewrite would remake it
    if not failures and not driver.containers(project.name):
        driver.forget_project(project.name)
    for action in plan.of(act.RemoveImage):
        driver.images.remove(action.ref)
        reporter.status("Image", action.ref, "Removed")
    return failures


def run_containers(plan: act.Plan, step: Callable[[act.ContainerVerb], None]) -> dict[str, str]:
    """Each ContainerVerb of the plan through `step`, stage by stage."""
    failures: dict[str, str] = {}
    for stage in stages(plan.of(act.ContainerVerb)):
        failures.update(for_each(stage, step))
    return failures
