"""`compose up`: converge the project's containers to the compose files, in graph order.

Phases: images (pull or find, in parallel), volumes, then one task per service and
ambassador through the executor: a task waits for the conditions its depends_on names,
builds the desired ContainerSpecs, plans against what runs (plan.py) and carries the
plan out. A failed service fails only its dependents. Nothing here prints: progress
goes to a Reporter the CLI supplies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Protocol

from composer.drivers.runc import converged
from composer.drivers.runc import hostsfiles
from composer.drivers.runc import networks as networking
from composer.drivers.runc import ambassadors, keepers, ports, targets
from composer.drivers.runc import records
from composer.drivers.runc import resources
from composer.executor.conditions import wait_for
from composer.drivers.runc.links import link_environment
from composer.config.model import Project, Service
from composer.drivers.runc.stop_order import remember_stop_order
from composer.errors import ComposerError, ImageError
from composer.executor.tasks import Status, parallel_limit, run_tasks
from composer.plan.service import ContainerAction, Step, Strategy, orphans, plan_service
from composer.runtime.api import ContainerState
from composer.drivers.runc.container_spec import HostFacts, build_container_spec, container_name


class Reporter(Protocol):
    def status(self, kind: str, name: str, text: str) -> None:
        """kind: Image | Volume | Container | Service; text: Pulled, Created, Started, Error: …"""


@dataclass(frozen=True)
class UpOptions:
    services: tuple[str, ...] = ()
    no_deps: bool = False
    strategy: Strategy = Strategy()
    scale: dict[str, int] = field(default_factory=dict)
    pull: str | None = None  # overrides every service's pull_policy
    build: bool = False  # `up --build`: build every service that has build:
    remove_orphans: bool = False
    stop_timeout: float | None = None  # for recreate / orphans


@dataclass
class UpResult:
    started: list[str] = field(default_factory=list)  # services converged
    failures: dict[str, str] = field(default_factory=dict)  # service → one line

    @property
    def ok(self) -> bool:
        return not self.failures


class Engine:
    """The runtime and the image store: made lazily so commands import only what they use."""

    def __init__(self) -> None:
        from composer.images import ImageStore
        from composer.runtime.runc_driver import RuncRuntime

        self.runtime = RuncRuntime()
        self.images = ImageStore()

    def containers(self, project: str, service: str | None = None) -> list[ContainerState]:
        return self.runtime.list(project, service)


def up(project: Project, options: UpOptions, reporter: Reporter, engine: Engine) -> UpResult:
    from composer.plan import graph as dependency_graph  # networkx: `down` imports this module without it

    graph = dependency_graph.build_graph(project)
    chosen = dependency_graph.select(graph, options.services, with_dependencies=not options.no_deps)
    records.save_project(project.name, str(project.project_dir), project.compose_files)
    remember_stop_order(project, dependency_graph.stop_generations(graph))
    converged.forget(project.name)  # until this run has converged everything again
    _handle_orphans(project, options, reporter, engine)
    services = [project.services[n] for n in chosen if n in project.services]
    networking.ensure_networks(project, _network_keys(project, services, chosen))
    ports.check_ports_free(project)
    result = UpResult()
    images = _ensure_images(project, [s for s in chosen if s in project.services], options, reporter, engine, result)
    tasks: dict[str, Callable[[], None]] = {}
    for name in chosen:
        if name in project.ambassadors:
            tasks[name] = _ambassador_task(project, project.ambassadors[name], reporter, engine)
        elif name in images:
            tasks[name] = _service_task(project, project.services[name], graph, chosen, options, images[name], reporter, engine)
    ordering = dependency_graph.ordering_view(graph)
    depends = {name: [d for d in ordering.successors(name) if d in tasks] for name in tasks}
    for event in run_tasks(tasks, depends, parallel_limit()):
        if event.status is Status.DONE:
            result.started.append(str(event.key))
        elif event.status is Status.FAILED:
            message = event.detail.one_line() if isinstance(event.detail, ComposerError) else f"{type(event.detail).__name__}: {event.detail}"
            result.failures[str(event.key)] = message
            reporter.status("Service", str(event.key), f"Error: {message}")
        elif event.status is Status.SKIPPED:
            result.failures[str(event.key)] = f"not started: dependency {event.detail.upstream} failed"
            reporter.status("Service", str(event.key), f"Skipped: dependency {event.detail.upstream} failed")
    hostsfiles.flush(project.name)
    for entry in ports.publish(project, engine.containers(project.name)):
        reporter.status("Port", f"{entry['host_ip']}:{entry['published']}/{entry['protocol']}", f"Published → {entry['name']}:{entry['target']}")
    if result.ok and _converges_everything(project, options, chosen):
        _record_converged(project, engine)
    return result


def _converges_everything(project: Project, options: UpOptions, chosen: set[str]) -> bool:
    """Did this `up` bring the whole project to the state a plain `up -d` wants?"""
    everything = set(project.services) | set(project.ambassadors)
    scaled = any(options.scale.get(name, service.replicas) != service.replicas for name, service in project.services.items())
    return chosen >= everything and not scaled and not options.strategy.no_start


def _record_converged(project: Project, engine: Engine) -> None:
    containers = engine.containers(project.name)
    if any(state.service not in project.services for state in containers):
        return  # orphans: every `up` should keep saying so
    interfaces = []
    for state in containers:
        attached = networking.load_record(project.name, state.name) or {}
        interfaces += [entry["result"]["host_ifname"] for entry in attached.get("networks", {}).values()
                       if entry.get("result", {}).get("host_ifname")]
    running_proxies = [name for name in (*project.ambassadors, keepers.PORTS) if keepers.keeper_pid(project.name, name)]
    converged.record(project, containers, interfaces, running_proxies)


def _network_keys(project: Project, services: list[Service], chosen: set[str]) -> list[str]:
    keys = [k for s in services for k in networking.attached_keys(s)]
    return keys + [k for a in project.ambassadors.values() if a.name in chosen for k in (a.networks or ("default",))]


def _handle_orphans(project: Project, options: UpOptions, reporter: Reporter, engine: Engine) -> None:
    found = orphans(engine.containers(project.name), project.services)
    for name in found:
        if options.remove_orphans:
            engine.runtime.remove(name)
            records.forget_container(project.name, name)
            reporter.status("Container", name, "Removed")
        else:
            reporter.status("Container", name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")


def _ensure_images(project, names, options, reporter, engine, result) -> dict:
    """Image per service, pulled or found; a service whose image fails is recorded as failed."""
    found = {}
    for name in sorted(names):
        service = project.services[name]
        try:
            found[name] = _image_for(project, service, options.pull, reporter, engine, options.build)
        except ComposerError as exc:
            result.failures[name] = exc.one_line()
            reporter.status("Service", name, f"Error: {exc.one_line()}")
    return found


def _image_for(project: Project, service: Service, pull_override: str | None, reporter: Reporter, engine: Engine, build: bool = False):
    """The service's image: built (build: and asked, or missing), else pulled per its policy."""
    from composer.images.build import default_image_name

    ref = service.image or default_image_name(project.name, service.name)
    policy = pull_override or service.pull_policy or "missing"
    if service.build is not None and (build or policy == "build" or engine.images.get(ref) is None):
        return build_image(project, service, reporter, engine)
    if policy in ("if_not_present", "missing", "build") or policy.startswith(("daily", "weekly")):
        policy = "missing"
    existed = engine.images.get(ref) is not None
    try:
        image = engine.images.pull(ref, policy=policy)
    except ImageError as exc:
        raise ImageError(f"service {service.name}: {exc.message}", exc.hint) from None
    if not existed or policy == "always":
        reporter.status("Image", ref, "Pulled")
    return image


def build_image(project: Project, service: Service, reporter: Reporter, engine: Engine, options=None):
    from composer.images.build import BuildOptions, build_service_image

    started = time.monotonic()
    reporter.status("Image", service.image or service.name, "Building")
    options = options or BuildOptions(warn=lambda line: reporter.status("Service", service.name, f"Warning: {line}"))
    image = build_service_image(engine.images, project.name, service.name, service.build, service.image, options)
    reporter.status("Image", image.ref, f"Built ({time.monotonic() - started:.1f}s)")
    return image


def _ambassador_task(project: Project, ambassador, reporter: Reporter, engine: Engine) -> Callable[[], None]:
    def run() -> None:
        started = time.monotonic()
        ambassadors.start_ambassador(project, ambassador, engine.containers(project.name))
        reporter.status("Ambassador", ambassador.name, f"Started ({time.monotonic() - started:.2f}s)")

    return run


def _service_task(project, service, graph, chosen, options, image, reporter, engine) -> Callable[[], None]:
    def run() -> None:
        _wait_for_dependencies(project, service, graph, chosen, engine)
        actions = _plan(project, service, options, image, engine)
        for action in actions:
            _carry_out(project, service, action, image, options, reporter, engine)
        targets.refresh_targets(project.name, lambda: engine.containers(project.name))

    return run


def _wait_for_dependencies(project, service, graph, chosen, engine) -> None:
    from composer.plan import graph as dependency_graph

    for dependency, needs in dependency_graph.dependencies(graph, service.name).items():
        if dependency not in chosen or dependency not in project.services:
            continue
        wait_for(
            lambda d=dependency: engine.containers(project.name, d),
            needs.condition,
            what=f"service {dependency}",
        )


def _plan(project: Project, service: Service, options: UpOptions, image, engine: Engine) -> list[ContainerAction]:
    replicas = options.scale.get(service.name, service.replicas)
    shared = _service_facts(project, service, image, engine)
    desired = [_spec(project, service, number, image, shared) for number in range(1, replicas + 1)]
    replicas_now = [s for s in engine.containers(project.name, service.name) if not _is_one_off(project.name, s.name)]
    return plan_service(desired, replicas_now, options.strategy)


def _service_facts(project: Project, service: Service, image, engine: Engine) -> HostFacts:
    """What every replica of the service shares: layers, volumes, secrets, link variables."""
    secrets, configs = resources.materialize(project, service)
    return HostFacts(
        lowerdirs=tuple(str(p) for p in engine.images.lowerdirs(image)),
        volume_dirs={key: str(resources.ensure_volume(project, volume)) for key, volume in project.volumes.items()},
        secret_files=secrets,
        config_files=configs,
        extra_env=link_environment(project, service),
    )


def _spec(project: Project, service: Service, number: int, image, shared: HostFacts):
    name = container_name(project, service, number)
    facts = replace(
        shared,
        anonymous_root=resources.anonymous_root(name),
        netns=networking.netns_for(project, service, name),
        extra_mounts=_etc_mounts(project, service, name),
    )
    return build_container_spec(project, service, number, image.config, facts)


def _etc_mounts(project: Project, service: Service, name: str) -> tuple:
    """/etc/hosts, resolv.conf and hostname, kept current by hostsfiles (host mode keeps the host's)."""
    from composer.runtime.spec import Mount

    if service.network_mode == "host":
        return ()
    directory = hostsfiles.prepare(project.name, name, service.hostname or name)
    return (Mount.bind(directory, hostsfiles.MOUNT_POINT, read_only=True),)


def _is_one_off(project: str, name: str) -> bool:
    record = records.load_container(project, name)
    return record is not None and record.oneoff


def run_one_off(project: Project, service: Service, reporter: Reporter, engine: Engine) -> str:
    """`compose run`: create and start service (already given its one-off name and command)."""
    image = _image_for(project, service, None, reporter, engine)
    spec = _spec(project, service, 1, image, _service_facts(project, service, image, engine))
    _create(project, service, spec, image, engine, oneoff=True)
    engine.runtime.start(spec.name)
    return spec.name


def _create(project: Project, service: Service, spec, image, engine: Engine, oneoff: bool = False) -> None:
    """Network first (the spec names its netns), then the container, then its /etc links."""
    networking.attach(project, service, spec.name)
    if service.network_mode != "host":  # a recreate removed the old container's directory
        hostsfiles.prepare(project.name, spec.name, spec.hostname)
    try:
        engine.runtime.create(spec)
        if service.network_mode != "host":
            from composer.runtime.layout import ContainerPaths

            hostsfiles.link_into_rootfs(ContainerPaths.for_name(spec.name).rootfs)
    except BaseException:
        remove_container(project.name, spec.name, engine)
        raise
    hostsfiles.write_own(project.name, spec.name)
    hostsfiles.refresh_soon(project.name)
    number = spec.name.rsplit("-", 1)[-1]
    records.save_container(
        project.name,
        records.ContainerRecord(
            name=spec.name,
            service=service.name,
            number=int(number) if number.isdigit() else 1,
            image=image.ref,
            command=spec.args,
            created=datetime.now(timezone.utc).isoformat(),
            oneoff=oneoff,
            labels=dict(service.labels),
        ),
    )


def remove_container(project_name: str, name: str, engine: Engine, tell_others: bool = True) -> None:
    """Everything a container has: the container, its network, its names, its record.
    tell_others=False leaves the other containers' hosts files and the ambassadors' targets
    for the caller to refresh once (`down` removes everything anyway)."""
    engine.runtime.remove(name)
    networking.detach(project_name, name)
    hostsfiles.forget(project_name, name)
    records.forget_container(project_name, name)
    if tell_others:
        hostsfiles.refresh_soon(project_name)
        targets.refresh_targets(project_name, lambda: engine.containers(project_name))


def _carry_out(project, service, action: ContainerAction, image, options, reporter, engine) -> None:
    runtime = engine.runtime
    if action.step is Step.KEEP:
        reporter.status("Container", action.name, "Running")
        return
    if action.step in (Step.RECREATE, Step.REMOVE):
        runtime.stop(action.name, options.stop_timeout)
        remove_container(project.name, action.name, engine)
        if action.step is Step.REMOVE:
            reporter.status("Container", action.name, "Removed")
            return
        reporter.status("Container", action.name, "Recreate")
    if action.step in (Step.CREATE, Step.RECREATE):
        _create(project, service, action.spec, image, engine)
        reporter.status("Container", action.name, "Created")
    if options.strategy.no_start:
        return
    started = time.monotonic()
    runtime.start(action.name)
    reporter.status("Container", action.name, f"Started ({time.monotonic() - started:.2f}s)")
