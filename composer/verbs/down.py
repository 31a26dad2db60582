"""`compose down` and the other verbs that act on a project's existing containers.

They work from what is on the host (what the driver observes), so they also clean up
after a crash: a container `up` left half-made is found by its project and removed.
Containers stop in reverse dependency order, each generation in parallel.
"""

from __future__ import annotations

from collections.abc import Iterable

from composer.config.model import Project
from composer.drivers.protocol import ContainerState, Driver, Reporter
from composer.errors import ComposerError
from composer.executor.tasks import for_each
from composer.plan.order import stop_order


def stop_project(project: Project, driver: Driver, reporter: Reporter, services: Iterable[str] = (), timeout: float | None = None) -> dict[str, str]:
    wanted = set(services)
    failures: dict[str, str] = {}
    for group in stop_order(project, driver.containers(project.name), driver.remembered_stop_order(project)):
        group = [s for s in group if not wanted or s.service in wanted]

        def stop(state: ContainerState) -> None:
            driver.runtime.stop(state.name, timeout)
            reporter.status("Container", state.name, "Stopped")

        failures.update(for_each(group, stop))
    return failures


def down(project: Project, driver: Driver, reporter: Reporter, timeout: float | None = None, volumes: bool = False, remove_orphans: bool = False) -> dict[str, str]:
    failures: dict[str, str] = {}
    for group in stop_order(project, driver.containers(project.name), driver.remembered_stop_order(project)):
        if not remove_orphans:
            skipped = [s for s in group if s.service not in project.services]
            for state in skipped:
                reporter.status("Container", state.name, "Orphan kept (use --remove-orphans)")
            group = [s for s in group if s.service in project.services]

        def remove(state: ContainerState) -> None:
            driver.runtime.stop(state.name, timeout)
            driver.remove_container(project.name, state.name, tell_others=False)
            reporter.status("Container", state.name, "Removed")

        failures.update(for_each(group, remove))
    for kind, name in driver.stop_proxies(project.name):
        reporter.status(kind, name, "Stopped")
    try:  # even when a container would not go: what is left of the network goes
        remaining = {state.name for state in driver.containers(project.name)}
        for name in driver.remove_networks(project, keep=remaining):
            reporter.status("Network", name, "Removed")
    except ComposerError as exc:
        failures["network"] = exc.one_line()
    if volumes:
        for name in driver.remove_volumes(project):
            reporter.status("Volume", name, "Removed")
    driver.flush_names(project)  # before the project's directory goes: a late rewrite would remake it
    if not failures and not driver.containers(project.name):
        driver.forget_project(project.name)
    return failures
