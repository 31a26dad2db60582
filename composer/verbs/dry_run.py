"""The global `--dry-run`: report what up/down/start/stop/…/pull/build would do; change nothing.

Every line goes through the verb's own Reporter with Compose v2's prefix, so plain
progress prints ` DRY-RUN MODE -  Container p-web-1  Created`. `up` and `down` print the
very Plan the real verb carries out (composer/plan: the same snapshot through the same
driver calls, the same pure planning), so the two cannot drift; "Recreate" means what it
means in a real run (the driver's specs made without preparing the host). When the image
is not in the store yet, no spec can be built: absent containers are reported created,
existing ones recreated.
"""

from __future__ import annotations

from composer.config.model import Project
from composer.drivers.protocol import Driver, Reporter
from composer.errors import ComposerError
from composer.plan import actions as act
from composer.plan.project import ACTION_STEPS, plan_up, select
from composer.plan.service import Step, image_ref
from composer.plan.teardown import DownOptions, plan_down
from composer.verbs.observe import observe_down, observe_up
from composer.verbs.options import UpOptions, UpResult

PREFIX = "DRY-RUN MODE - "


class DryRunReporter:
    """Wraps the verb's reporter: the same kinds of lines, each marked as not done."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner

    def status(self, kind: str, name: str, text: str) -> None:
        self.inner.status(f"{PREFIX} {kind}", name, text)

    def steps(self, kind: str, name: str, *texts: str) -> None:
        for text in texts:
            self.status(kind, name, text)


def action_steps(step: Step, no_start: bool) -> tuple[str, ...]:
    """The lines Compose prints for one planned container step, in order."""
    starting = () if no_start else ("Starting", "Started")
    return {
        Step.CREATE: ("Creating", "Created") + starting,
        Step.RECREATE: ("Recreate", "Recreated") + starting,
        Step.START: starting,
        Step.KEEP: ("Running",),
        Step.REMOVE: ("Stopping", "Stopped", "Removing", "Removed"),
    }[step]


# --- run --------------------------------------------------------------------------------


def one_off(plan: act.Plan, reporter: Reporter, with_resources: bool = True) -> None:
    """`run`'s Plan (plan/one_off.py), reported. with_resources=False: its networks and
    volumes are left to the dependencies' `up` plan printed before it (they share them)."""
    report = DryRunReporter(reporter)
    for action in plan.actions:
        if isinstance(action, act.CreateNetworks):
            if action.refused is not None:
                raise action.refused
            for name in action.names if with_resources else ():
                report.steps("Network", name, "Creating", "Created")
        elif isinstance(action, act.CreateVolume) and with_resources:
            report.steps("Volume", action.name, "Creating", "Created")
        elif isinstance(action, act.EnsureImage) and action.refused is not None:
            raise action.refused
        elif isinstance(action, act.CreateOneOff):
            report.steps("Container", action.name, "Creating", "Created", "Starting", "Started")


# --- up ---------------------------------------------------------------------------------


def up(project: Project, options: UpOptions, reporter: Reporter, driver: Driver) -> UpResult:
    """up's Plan (the very one `up` would carry out), reported: same checks and errors, no effects."""
    selection = select(project, options)
    return print_up(project, plan_up(project, observe_up(project, options, selection, driver), options, selection), options, DryRunReporter(reporter), driver)


def print_up(project: Project, plan: act.Plan, options: UpOptions, report: DryRunReporter, driver: Driver) -> UpResult:
    result = UpResult()
    pulled: set[str] = set()  # services sharing an image: one pull, as in a real run
    ended: set[str] = set()  # units skipped, failed, or whose image failed
    for action in plan.actions:
        unit = action.unit
        if isinstance(action, act.RemoveOrphan):
            report.steps("Container", action.name, "Stopping", "Stopped", "Removing", "Removed")
        elif isinstance(action, act.KeepOrphan):
            report.status("Container", action.name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")
        elif isinstance(action, act.CreateNetworks):
            if action.refused is not None:
                raise action.refused
            for name in action.names:
                report.steps("Network", name, "Creating", "Created")
        elif isinstance(action, act.CheckPortsFree):
            driver.check_ports_free(project)  # binds and closes probe sockets only
        elif isinstance(action, act.CreateVolume):
            report.steps("Volume", action.name, "Creating", "Created")
        elif isinstance(action, act.EnsureImage):
            _report_image(project, action, pulled, report, result)
        elif unit in ended:
            continue
        elif unit and unit not in result.started and not _ready(plan, unit, report, result, ended):
            continue
        elif isinstance(action, act.StartAmbassador) and action.running:
            report.status("Ambassador", action.name, "Running")
        elif isinstance(action, act.StartAmbassador):
            report.steps("Ambassador", action.name, "Creating", "Started")
        elif isinstance(action, act.BindSpecs) and action.problem:
            result.started.remove(unit)
            result.failures[unit] = action.problem
            report.status("Service", unit, f"Error: {action.problem}")
            ended.add(unit)
        elif isinstance(action, act.ContainerStep):
            report.steps("Container", action.name, *action_steps(ACTION_STEPS[type(action)], options.strategy.no_start))
    return result


def _ready(plan: act.Plan, unit: str, report: DryRunReporter, result: UpResult, ended: set[str]) -> bool:
    """A unit's first action after the images: Skipped when a unit it needs failed; ended
    when its own image failed; else it counts as started."""
    failed = next((d for d in plan.needs.get(unit, ()) if d in result.failures), None)
    if failed is not None:
        result.failures[unit] = f"not started: dependency {failed} failed"
        report.status("Service", unit, f"Skipped: dependency {failed} failed")
        ended.add(unit)
        return False
    if unit in result.failures:  # its image step failed: said already
        ended.add(unit)
        return False
    result.started.append(unit)
    return True


def _report_image(project: Project, action: act.EnsureImage, pulled: set[str], report: DryRunReporter, result: UpResult) -> None:
    if action.refused is not None:
        message = action.refused.one_line() if isinstance(action.refused, ComposerError) else str(action.refused)
        result.failures[action.service] = message
        report.status("Service", action.service, f"Error: {message}")
    elif action.how == "build":
        service = project.services[action.service]
        report.steps("Image", service.image or service.name, "Building", "Built")
    elif action.how == "pull" and action.ref not in pulled:
        pulled.add(action.ref)
        report.steps("Image", action.ref, "Pulling", "Pulled")


# --- down, lifecycle verbs, pull, build -------------------------------------------------


def down(project: Project, driver: Driver, reporter: Reporter, volumes: bool = False, remove_orphans: bool = False, rmi: str | None = None) -> int:
    """What `down` would stop and remove: its Plan, the one `down` carries out, reported."""
    options = DownOptions(volumes, remove_orphans, rmi)
    print_down(plan_down(project, observe_down(project, driver, options), options), DryRunReporter(reporter))
    return 0


def print_down(plan: act.Plan, report: DryRunReporter) -> None:
    for action in plan.actions:
        if isinstance(action, act.KeepOrphan):
            report.status("Container", action.name, "Orphan kept (use --remove-orphans)")
        elif isinstance(action, act.RemoveExisting):
            report.steps("Container", action.name, *(("Stopping", "Stopped") if action.running else ()), "Removing", "Removed")
        elif isinstance(action, act.StopProxies):
            for kind, name in action.proxies:
                report.status(kind, name, "Stopped")
        elif isinstance(action, act.RemoveNetworks):
            for name in action.names:
                report.steps("Network", name, "Removing", "Removed")
        elif isinstance(action, act.RemoveVolumes):
            for name in action.names:
                report.steps("Volume", name, "Removing", "Removed")
        elif isinstance(action, act.RemoveImage):
            report.steps("Image", action.ref, "Removing", "Removed")


def lifecycle(word: str, plan: act.Plan, reporter: Reporter) -> None:
    """start/stop/restart/kill/rm/pause/unpause: each container of the verb's Plan, reported."""
    report = DryRunReporter(reporter)
    for action in plan.of(act.ContainerVerb):
        report.status("Container", action.name, word)


def pull(project: Project, store, services, policy: str, ignore_buildable: bool, reporter: Reporter) -> int:
    """`pull`: the images that would be fetched (all with --policy always, else the missing ones)."""
    report = DryRunReporter(reporter)
    refs = [s.image for n, s in project.services.items() if s.image and (not services or n in services) and not (s.build is not None and ignore_buildable)]
    for ref in dict.fromkeys(refs):
        if policy == "always" or store.get(ref) is None:
            report.steps("Image", ref, "Pulling", "Pulled")
    return 0


def build(project: Project, services, reporter: Reporter) -> int:
    """`build`: the images that would be built."""
    report = DryRunReporter(reporter)
    for name, service in project.services.items():
        if service.build is not None and (not services or name in services):
            report.steps("Image", image_ref(project, service), "Building", "Built")
    return 0
