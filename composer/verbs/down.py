"""`compose down` and the other verbs that act on a project's existing containers.

They work from what is on the host (the runtime's records), so they also clean up
after a crash: a container `up` left half-made is found by its project and removed.
Containers stop in reverse dependency order, each generation in parallel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from composer.drivers.runc import hostsfiles
from composer.drivers.runc import networks as networking
from composer.drivers.runc import keepers
from composer.drivers.runc import records
from composer.drivers.runc import resources
from composer.config.model import Project
from composer.drivers.runc.stop_order import remembered_stop_order
from composer.errors import ComposerError
from composer.executor.tasks import Status, parallel_limit, run_tasks
from composer.runtime.api import ContainerState
from composer.verbs.up import Engine, Reporter, remove_container


def stop_order(project: Project, states: Iterable[ContainerState]) -> list[list[ContainerState]]:
    """Containers grouped by stop generation; orphans (unknown services) go first."""
    states = list(states)
    generations = remembered_stop_order(project)
    if generations is None:
        from composer.plan import graph as dependency_graph  # networkx: only when nothing is remembered

        generations = dependency_graph.stop_generations(dependency_graph.build_graph(project))
    nodes = {name for generation in generations for name in generation}
    groups = [[s for s in states if s.service not in nodes]]
    for generation in generations:
        members = set(generation)
        groups.append([s for s in states if s.service in members])
    return [group for group in groups if group]


def for_each(states: Iterable[ContainerState], action: Callable[[ContainerState], None]) -> dict[str, str]:
    """Apply action to the containers in parallel; failures as name → one line."""
    tasks = {state.name: (lambda s=state: action(s)) for state in states}
    failures = {}
    for event in run_tasks(tasks, {}, parallel_limit()):
        if event.status is Status.FAILED:
            detail = event.detail
            failures[str(event.key)] = detail.one_line() if isinstance(detail, ComposerError) else str(detail)
    return failures


def stop_project(project: Project, engine: Engine, reporter: Reporter, services: Iterable[str] = (), timeout: float | None = None) -> dict[str, str]:
    wanted = set(services)
    failures: dict[str, str] = {}
    for group in stop_order(project, engine.containers(project.name)):
        group = [s for s in group if not wanted or s.service in wanted]

        def stop(state: ContainerState) -> None:
            engine.runtime.stop(state.name, timeout)
            reporter.status("Container", state.name, "Stopped")

        failures.update(for_each(group, stop))
    return failures


def down(project: Project, engine: Engine, reporter: Reporter, timeout: float | None = None, volumes: bool = False, remove_orphans: bool = False) -> dict[str, str]:
    failures: dict[str, str] = {}
    for group in stop_order(project, engine.containers(project.name)):
        if not remove_orphans:
            skipped = [s for s in group if s.service not in project.services]
            for state in skipped:
                reporter.status("Container", state.name, "Orphan kept (use --remove-orphans)")
            group = [s for s in group if s.service in project.services]

        def remove(state: ContainerState) -> None:
            engine.runtime.stop(state.name, timeout)
            remove_container(project.name, state.name, engine, tell_others=False)
            reporter.status("Container", state.name, "Removed")

        failures.update(for_each(group, remove))
    for name in keepers.stop_all(project.name):
        reporter.status("Ambassador" if name != keepers.PORTS else "Ports", name, "Stopped")
    try:  # even when a container would not go: what is left of the network goes
        remaining = {state.name for state in engine.containers(project.name)}
        if remaining:  # kept orphans, or containers that would not go: their names change
            hostsfiles.refresh(project.name)
        for name in networking.remove_networks(project.name, project, keep=remaining):
            reporter.status("Network", name, "Removed")
    except ComposerError as exc:
        failures["network"] = exc.one_line()
    if volumes:
        for name in resources.remove_project_volumes(project):
            reporter.status("Volume", name, "Removed")
    hostsfiles.flush(project.name)  # before the project's directory goes: a late rewrite would remake it
    if not failures and not engine.containers(project.name):
        records.forget_project(project.name)
    return failures
