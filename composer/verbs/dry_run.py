"""The global `--dry-run`: report what up/down/start/stop/…/pull/build would do; change nothing.

Every line goes through the verb's own Reporter with Compose v2's prefix, so plain
progress prints ` DRY-RUN MODE -  Container p-web-1  Created`. Nothing here creates,
writes, starts, stops or removes: it asks the driver what is there and plans with
plan.plan_service against the driver's specs made without preparing the host
(desired_containers(prepare=False)): the very specs, and so the very hashes, `up`
would get, so "Recreate" means what it means in a real run. When the image is not in
the store yet, no spec can be built: absent containers are reported created, existing
ones recreated.
"""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.drivers.protocol import Driver, Reporter
from composer.errors import ComposerError
from composer.plan import graph as dependency_graph
from composer.plan.networks import network_keys
from composer.plan.order import stop_order
from composer.plan.service import ContainerAction, Step, container_name, image_ref, orphans, plan_service
from composer.verbs.options import UpOptions, UpResult

PREFIX = "DRY-RUN MODE - "
RUNNING = ("running", "paused", "restarting")


class DryRunReporter:
    """Wraps the verb's reporter: the same kinds of lines, each marked as not done."""

    def __init__(self, inner: Reporter) -> None:
        self.inner = inner

    def status(self, kind: str, name: str, text: str) -> None:
        self.inner.status(f"{PREFIX} {kind}", name, text)

    def steps(self, kind: str, name: str, *texts: str) -> None:
        for text in texts:
            self.status(kind, name, text)


def action_steps(action: ContainerAction, no_start: bool) -> tuple[str, ...]:
    """The lines Compose prints for one planned container action, in order."""
    starting = () if no_start else ("Starting", "Started")
    return {
        Step.CREATE: ("Creating", "Created") + starting,
        Step.RECREATE: ("Recreate", "Recreated") + starting,
        Step.START: starting,
        Step.KEEP: ("Running",),
        Step.REMOVE: ("Stopping", "Stopped", "Removing", "Removed"),
    }[action.step]


# --- up ---------------------------------------------------------------------------------


def up(project: Project, options: UpOptions, reporter: Reporter, driver: Driver) -> UpResult:
    """up()'s plan, reported: same checks and errors, no effects."""
    report = DryRunReporter(reporter)
    graph = dependency_graph.build_graph(project)
    chosen = dependency_graph.select(graph, options.services, with_dependencies=not options.no_deps)
    _report_orphans(project, options, report, driver)
    services = [project.services[n] for n in sorted(chosen) if n in project.services]
    for name in driver.missing_networks(project, network_keys(project, services, chosen)):
        report.steps("Network", name, "Creating", "Created")
    driver.check_ports_free(project)  # binds and closes probe sockets only
    for name in driver.missing_volumes(project):
        report.steps("Volume", name, "Creating", "Created")
    result = UpResult()
    images = _find_images(project, [s.name for s in services], options, report, driver, result)
    ordering = dependency_graph.ordering_view(graph)
    for generation in dependency_graph.start_generations(graph, chosen):
        for name in generation:
            failed = next((d for d in ordering.successors(name) if d in result.failures), None)
            if failed is not None:
                result.failures[name] = f"not started: dependency {failed} failed"
                report.status("Service", name, f"Skipped: dependency {failed} failed")
            elif name in project.ambassadors:
                _report_ambassador(project, name, report, driver)
                result.started.append(name)
            elif name in images:
                _report_service(project, project.services[name], options, images[name], chosen, report, driver, result)
    return result


def _report_service(project: Project, service: Service, options: UpOptions, image, chosen: set[str], report: DryRunReporter, driver: Driver, result: UpResult) -> None:
    try:
        actions = plan(project, service, options, image, driver, chosen)
    except ComposerError as exc:
        result.failures[service.name] = exc.one_line()
        report.status("Service", service.name, f"Error: {exc.one_line()}")
        return
    for action in actions:
        report.steps("Container", action.name, *action_steps(action, options.strategy.no_start))
    result.started.append(service.name)


def _report_orphans(project: Project, options: UpOptions, report: DryRunReporter, driver: Driver) -> None:
    for name in orphans(driver.containers(project.name), project.services):
        if options.remove_orphans:
            report.steps("Container", name, "Stopping", "Stopped", "Removing", "Removed")
        else:
            report.status("Container", name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")


def _report_ambassador(project: Project, name: str, report: DryRunReporter, driver: Driver) -> None:
    if driver.ambassador_running(project.name, name):
        report.status("Ambassador", name, "Running")
    else:
        report.steps("Ambassador", name, "Creating", "Started")


# --- images -----------------------------------------------------------------------------


def _find_images(project: Project, names: list[str], options: UpOptions, report: DryRunReporter, driver: Driver, result: UpResult) -> dict:
    """Service → image in the store (None: it would be pulled or built first)."""
    found, pulled = {}, set()
    for name in sorted(names):
        service = project.services[name]
        try:
            image, ref, first = driver.image_if_present(project, service, options.pull, options.build)
        except ComposerError as exc:
            result.failures[name] = exc.one_line()
            report.status("Service", name, f"Error: {exc.one_line()}")
            continue
        if first == "build":
            report.steps("Image", service.image or service.name, "Building", "Built")
        elif first == "pull" and ref not in pulled:
            pulled.add(ref)  # services sharing an image: one pull, as in a real run
            report.steps("Image", ref, "Pulling", "Pulled")
        found[name] = image
    return found


# --- planning without preparing ---------------------------------------------------------


def plan(project: Project, service: Service, options: UpOptions, image, driver: Driver, chosen=()) -> list[ContainerAction]:
    """up's plan for the service, with the driver's specs made without preparing anything."""
    replicas = options.scale.get(service.name, service.replicas)
    current = [s for s in driver.containers(project.name, service.name) if not driver.is_one_off(project.name, s.name)]
    if image is None:
        return _plan_without_image(project, service, replicas, current)
    desired = driver.desired_containers(project, service, replicas, image, prepare=False, chosen=chosen)
    return plan_service(desired, current, options.strategy)


def _plan_without_image(project: Project, service: Service, replicas: int, current) -> list[ContainerAction]:
    existing = {state.name for state in current}
    wanted = [container_name(project, service, number) for number in range(1, replicas + 1)]
    actions = [ContainerAction(Step.RECREATE if n in existing else Step.CREATE, n, None, "new image") for n in wanted]
    return actions + [ContainerAction(Step.REMOVE, n, None, "beyond the wanted scale") for n in sorted(existing - set(wanted))]


# --- down, lifecycle verbs, pull, build -------------------------------------------------


def down(project: Project, driver: Driver, reporter: Reporter, volumes: bool = False, remove_orphans: bool = False, rmi: str | None = None) -> int:
    """What `down` would stop and remove: containers, ambassadors, networks, volumes, images."""
    report = DryRunReporter(reporter)
    for group in stop_order(project, driver.containers(project.name), driver.remembered_stop_order(project)):
        for state in group:
            if state.service not in project.services and not remove_orphans:
                report.status("Container", state.name, "Orphan kept (use --remove-orphans)")
            else:
                report.steps("Container", state.name, *(("Stopping", "Stopped") if state.status in RUNNING else ()), "Removing", "Removed")
    for kind, name in driver.proxies(project.name):
        report.status(kind, name, "Stopped")
    for name in driver.existing_networks(project):
        report.steps("Network", name, "Removing", "Removed")
    for name in driver.own_volumes(project) if volumes else ():
        report.steps("Volume", name, "Removing", "Removed")
    for ref in _images_to_remove(project, driver, rmi) if rmi else ():
        report.steps("Image", ref, "Removing", "Removed")
    return 0


def _images_to_remove(project: Project, driver: Driver, which: str) -> list[str]:
    refs = [s.image or f"{project.name}-{s.name}" for s in project.services.values() if not (which == "local" and s.image)]
    return [ref for ref in refs if driver.images.get(ref) is not None]


def lifecycle(word: str, states, reporter: Reporter) -> None:
    """start/stop/restart/kill/rm/pause/unpause: each container the verb picked, reported."""
    report = DryRunReporter(reporter)
    for state in states:
        report.status("Container", state.name, word)


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
