"""`compose up`: converge the project's containers to the compose files, in graph order.

Phases: images (pull or find, in parallel), volumes, then one task per service and
ambassador through the executor: a task waits for the conditions its depends_on names,
asks the driver for the desired containers, plans against what runs (plan/service.py)
and carries the plan out. A failed service fails only its dependents. Nothing here
prints: progress goes to a Reporter the CLI supplies; everything on the host is the
driver's (composer/drivers/protocol.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from composer.config.model import Project, Service
from composer.drivers.protocol import Driver, Reporter
from composer.errors import ComposerError
from composer.executor.conditions import COMPLETED, ConditionFailed, wait_for
from composer.executor.tasks import Status, parallel_limit, run_tasks
from composer.plan.networks import network_keys
from composer.plan.service import ContainerAction, Step, orphans, plan_service
from composer.verbs.options import UpOptions, UpResult


def up(project: Project, options: UpOptions, reporter: Reporter, driver: Driver) -> UpResult:
    from composer.plan import graph as dependency_graph  # networkx (~0.12 s): the no-op `up -d` answers without it

    graph = dependency_graph.build_graph(project)
    chosen = dependency_graph.select(graph, options.services, with_dependencies=not options.no_deps)
    driver.begin_up(project, dependency_graph.stop_generations(graph))
    _handle_orphans(project, options, reporter, driver)
    services = [project.services[n] for n in chosen if n in project.services]
    driver.ensure_networks(project, network_keys(project, services, chosen))
    driver.check_ports_free(project)
    result = UpResult()
    images = _ensure_images(project, [s for s in chosen if s in project.services], options, reporter, driver, result)
    tasks: dict[str, Callable[[], None]] = {}
    for name in chosen:
        if name in project.ambassadors:
            tasks[name] = _ambassador_task(project, project.ambassadors[name], reporter, driver)
        elif name in images:
            tasks[name] = _service_task(project, project.services[name], graph, chosen, options, images[name], reporter, driver)
    ordering = dependency_graph.ordering_view(graph)
    depends = {name: [d for d in ordering.successors(name) if d in tasks] for name in tasks}
    for event in run_tasks(tasks, depends, parallel_limit()):
        if event.status is Status.DONE:
            result.started.append(str(event.key))
        elif event.status is Status.FAILED:
            message = event.detail.one_line() if isinstance(event.detail, ComposerError) else f"{type(event.detail).__name__}: {event.detail}"
            result.failures[str(event.key)] = message
            if isinstance(event.detail, ConditionFailed):  # its container's line already says Error
                result.said[str(event.key)] = event.detail.lines()
            else:
                reporter.status("Service", str(event.key), f"Error: {message}")
        elif event.status is Status.SKIPPED:
            result.failures[str(event.key)] = f"not started: dependency {event.detail.upstream} failed"
            reporter.status("Service", str(event.key), f"Skipped: dependency {event.detail.upstream} failed")
    driver.flush_names(project)
    for entry in driver.publish_ports(project):
        reporter.status("Port", f"{entry['host_ip']}:{entry['published']}/{entry['protocol']}", f"Published → {entry['name']}:{entry['target']}")
    if result.ok and _converges_everything(project, options, chosen):
        driver.record_converged(project)
    return result


def _converges_everything(project: Project, options: UpOptions, chosen: set[str]) -> bool:
    """Did this `up` bring the whole project to the state a plain `up -d` wants?"""
    everything = set(project.services) | set(project.ambassadors)
    scaled = any(options.scale.get(name, service.replicas) != service.replicas for name, service in project.services.items())
    return chosen >= everything and not scaled and not options.strategy.no_start


def _handle_orphans(project: Project, options: UpOptions, reporter: Reporter, driver: Driver) -> None:
    found = orphans(driver.containers(project.name), project.services)
    for name in found:
        if options.remove_orphans:
            driver.remove_orphan(project.name, name)
            reporter.status("Container", name, "Removed")
        else:
            reporter.status("Container", name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")


def _ensure_images(project, names, options, reporter, driver, result) -> dict:
    """Image per service, pulled or found; a service whose image fails is recorded as failed."""
    found = {}
    for name in sorted(names):
        service = project.services[name]
        try:
            found[name] = driver.image_for(project, service, options.pull, reporter, options.build)
        except ComposerError as exc:
            result.failures[name] = exc.one_line()
            reporter.status("Service", name, f"Error: {exc.one_line()}")
    return found


def _ambassador_task(project: Project, ambassador, reporter: Reporter, driver: Driver) -> Callable[[], None]:
    def run() -> None:
        started = time.monotonic()
        driver.start_ambassador(project, ambassador)
        reporter.status("Ambassador", ambassador.name, f"Started ({time.monotonic() - started:.2f}s)")

    return run


def _service_task(project, service, graph, chosen, options, image, reporter, driver) -> Callable[[], None]:
    def run() -> None:
        _wait_for_dependencies(project, service, graph, chosen, driver, reporter)
        actions = _plan(project, service, options, image, driver)
        for action in actions:
            _carry_out(project, service, action, image, options, reporter, driver)
        driver.refresh_targets(project.name)

    return run


def _wait_for_dependencies(project, service, graph, chosen, driver, reporter: Reporter) -> None:
    from composer.plan import graph as dependency_graph  # networkx: loaded by up() already, named here

    def report(name: str, text: str) -> None:
        reporter.status("Container", name, text)

    for dependency, needs in dependency_graph.dependencies(graph, service.name).items():
        if dependency not in chosen or dependency not in project.services:
            continue
        try:
            wait_for(lambda d=dependency: driver.containers(project.name, d), needs.condition, report=report)
        except ConditionFailed as exc:
            if needs.condition == COMPLETED:  # Compose v2 says this one without the prefix
                raise
            raise ConditionFailed(f"dependency failed to start: {exc.message}", exc.details) from None


def _plan(project: Project, service: Service, options: UpOptions, image, driver: Driver) -> list[ContainerAction]:
    replicas = options.scale.get(service.name, service.replicas)
    desired = driver.desired_containers(project, service, replicas, image)
    replicas_now = [s for s in driver.containers(project.name, service.name) if not driver.is_one_off(project.name, s.name)]
    return plan_service(desired, replicas_now, options.strategy)


def _carry_out(project, service, action: ContainerAction, image, options, reporter, driver) -> None:
    runtime = driver.runtime
    if action.step is Step.KEEP:
        reporter.status("Container", action.name, "Running")
        return
    if action.step in (Step.RECREATE, Step.REMOVE):
        runtime.stop(action.name, options.stop_timeout)
        driver.remove_container(project.name, action.name)
        if action.step is Step.REMOVE:
            reporter.status("Container", action.name, "Removed")
            return
        reporter.status("Container", action.name, "Recreate")
    if action.step in (Step.CREATE, Step.RECREATE):
        driver.create_container(project, service, action.spec, image)
        reporter.status("Container", action.name, "Created")
    if options.strategy.no_start:
        return
    started = time.monotonic()
    runtime.start(action.name)
    reporter.status("Container", action.name, f"Started ({time.monotonic() - started:.2f}s)")
