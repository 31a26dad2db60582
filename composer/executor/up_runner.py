"""Carrying out an `up` Plan (plan/project.py) through the driver.

Project-wide steps first, in the plan's order (orphans, networks, ports, images one by
one); then one task per unit (service or ambassador) through run_tasks, started when the
units it needs are done, at most parallel_limit() at once: a failed unit fails only its
dependents (Skipped). A service's task waits for its conditions, binds its specs (the
deferred step: Driver.desired_containers, now that its dependencies run), checks each
planned step against the bound spec and the state now (plan/service.py's rebind) and
carries it out.
Nothing here prints: progress goes to the Reporter the CLI supplies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from composer.config.model import Project
from composer.drivers.protocol import Driver, Reporter
from composer.errors import ComposerError
from composer.executor.conditions import COMPLETED, ConditionFailed, wait_for
from composer.executor.tasks import Status, parallel_limit, run_tasks
from composer.plan import actions as act
from composer.plan.options import UpOptions
from composer.plan.project import ACTION_STEPS
from composer.plan.service import Step, rebind


@dataclass
class UpResult:
    started: list[str] = field(default_factory=list)  # services converged
    failures: dict[str, str] = field(default_factory=dict)  # service → one line
    said: dict[str, list[str]] = field(default_factory=dict)  # service → Compose v2's own lines, printed as they are

    @property
    def ok(self) -> bool:
        return not self.failures


def run_up(project: Project, plan: act.Plan, options: UpOptions, reporter: Reporter, driver: Driver) -> UpResult:
    result = UpResult()
    images = {}
    for action in plan.actions:
        if isinstance(action, act.BeginUp):
            driver.begin_up(project, [list(g) for g in action.stop_generations])
        elif isinstance(action, act.RemoveOrphan):
            driver.remove_orphan(project.name, action.name)
            reporter.status("Container", action.name, "Removed")
        elif isinstance(action, act.KeepOrphan):
            reporter.status("Container", action.name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")
        elif isinstance(action, act.CreateNetworks):
            driver.ensure_networks(project, action.keys)
        elif isinstance(action, act.CheckPortsFree):
            driver.check_ports_free(project)
        elif isinstance(action, act.EnsureImage):
            try:
                images[action.service] = driver.image_for(project, project.services[action.service], options.pull, reporter, options.build)
            except ComposerError as exc:
                result.failures[action.service] = exc.one_line()
                reporter.status("Service", action.service, f"Error: {exc.one_line()}")
        # CreateVolume: made by the driver when it binds the first spec (see its docstring)
    units = plan.units()
    tasks: dict[str, Callable[[], None]] = {}
    for name, steps in units.items():
        if name in project.ambassadors:
            tasks[name] = _unit_task(project, steps, None, options, reporter, driver)
        elif name in images:
            tasks[name] = _unit_task(project, steps, images[name], options, reporter, driver)
    depends = {name: [d for d in plan.needs.get(name, ()) if d in tasks] for name in tasks}
    for event in run_tasks(tasks, depends, parallel_limit()):
        _record(event, result, reporter)
    driver.flush_names(project)
    if plan.of(act.PublishPorts):
        for entry in driver.publish_ports(project):
            reporter.status("Port", f"{entry['host_ip']}:{entry['published']}/{entry['protocol']}", f"Published → {entry['name']}:{entry['target']}")
    if result.ok and plan.of(act.RecordConverged):
        driver.record_converged(project)
    return result


def _record(event, result: UpResult, reporter: Reporter) -> None:
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


def _unit_task(project: Project, steps: list[act.Action], image, options: UpOptions, reporter: Reporter, driver: Driver) -> Callable[[], None]:
    def run() -> None:
        specs: dict = {}
        now: dict = {}
        for action in steps:
            if isinstance(action, act.StartAmbassador):
                started = time.monotonic()
                driver.start_ambassador(project, project.ambassadors[action.name])
                reporter.status("Ambassador", action.name, f"Started ({time.monotonic() - started:.2f}s)")
            elif isinstance(action, act.WaitCondition):
                _wait(project, action, driver, reporter)
            elif isinstance(action, act.BindSpecs):
                service = project.services[action.service]
                specs = {spec.name: spec for spec in driver.desired_containers(project, service, action.replicas, image)}
                now = {s.name: s for s in driver.containers(project.name, service.name) if not driver.is_one_off(project.name, s.name)}
            elif isinstance(action, act.ContainerStep):
                spec = specs.get(action.name)
                step = ACTION_STEPS[type(action)]
                if spec is not None:
                    step, _ = rebind(spec.spec_hash(), now.get(action.name), options.strategy)
                _carry_out(project, action, step, spec, image, options, reporter, driver)
        if any(isinstance(action, act.BindSpecs) for action in steps):
            driver.refresh_targets(project.name)

    return run


def _wait(project: Project, action: act.WaitCondition, driver: Driver, reporter: Reporter) -> None:
    def report(name: str, text: str) -> None:
        reporter.status("Container", name, text)

    try:
        wait_for(lambda: driver.containers(project.name, action.dependency), action.condition, report=report)
    except ConditionFailed as exc:
        if action.condition == COMPLETED:  # Compose v2 says this one without the prefix
            raise
        raise ConditionFailed(f"dependency failed to start: {exc.message}", exc.details) from None


def _carry_out(project: Project, action: act.ContainerStep, step: Step, spec, image, options: UpOptions, reporter: Reporter, driver: Driver) -> None:
    runtime = driver.runtime
    if step is Step.KEEP:
        reporter.status("Container", action.name, "Running")
        return
    if step in (Step.RECREATE, Step.REMOVE):
        runtime.stop(action.name, options.stop_timeout)
        driver.remove_container(project.name, action.name)
        if step is Step.REMOVE:
            reporter.status("Container", action.name, "Removed")
            return
        reporter.status("Container", action.name, "Recreate")
    if step in (Step.CREATE, Step.RECREATE):
        driver.create_container(project, project.services[action.service], spec, image)
        reporter.status("Container", action.name, "Created")
    if options.strategy.no_start:
        return
    started = time.monotonic()
    runtime.start(action.name)
    reporter.status("Container", action.name, f"Started ({time.monotonic() - started:.2f}s)")
