"""The global `--dry-run`: report what up/down/start/stop/…/pull/build would do; change nothing.

Every line goes through the verb's own Reporter with Compose v2's prefix, so plain
progress prints ` DRY-RUN MODE -  Container p-web-1  Created`. Nothing here creates,
writes, starts, stops or removes: it reads the runtime's state, the image store, the
attachment and proxy records, sysfs and nft, and plans with plan.plan_service.

How `up` decides Recreate without the host side up prepares: a container's spec hash
covers host paths (image layer dirs, volume dirs, secret files, the /etc dir, the netns).
Those paths are pure functions of names, so host_facts() computes the very same ones up
would get, without unpacking, mkdir or writing files; the hash is then exactly up's, and
"Recreate" means what it means in a real run. When the image is not in the store yet, no
spec can be built: absent containers are reported created, existing ones recreated.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from composer.plan import graph as dependency_graph
from composer.drivers.runc import hostsfiles
from composer.drivers.runc import networks as networking
from composer.drivers.runc import keepers, ports
from composer.drivers.runc import records
from composer.drivers.runc import resources
from composer.config.model import Project, Service, Volume
from composer.errors import ComposerError, ImageError, NetworkError, from_netplugins
from composer.drivers.runc.links import link_environment
from composer.plan.service import ContainerAction, Step, orphans, plan_service
from composer.runtime.spec import Mount
from composer.drivers.runc.container_spec import HostFacts, build_container_spec, container_name
from composer.verbs.up import Engine, Reporter, UpOptions, UpResult

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


def up(project: Project, options: UpOptions, reporter: Reporter, engine: Engine) -> UpResult:
    """up()'s plan, reported: same checks and errors, no effects."""
    report = DryRunReporter(reporter)
    graph = dependency_graph.build_graph(project)
    chosen = dependency_graph.select(graph, options.services, with_dependencies=not options.no_deps)
    _report_orphans(project, options, report, engine)
    services = [project.services[n] for n in sorted(chosen) if n in project.services]
    keys = [k for s in services for k in networking.attached_keys(s)]
    keys += [k for a in project.ambassadors.values() if a.name in chosen for k in (a.networks or ("default",))]
    report_networks(project, keys, report)
    ports.check_ports_free(project)  # binds and closes probe sockets only
    _report_volumes(project, report)
    result = UpResult()
    images = _find_images(project, [s.name for s in services], options, report, engine, result)
    ordering = dependency_graph.ordering_view(graph)
    for generation in dependency_graph.start_generations(graph, chosen):
        for name in generation:
            failed = next((d for d in ordering.successors(name) if d in result.failures), None)
            if failed is not None:
                result.failures[name] = f"not started: dependency {failed} failed"
                report.status("Service", name, f"Skipped: dependency {failed} failed")
            elif name in project.ambassadors:
                _report_ambassador(project, name, report)
                result.started.append(name)
            elif name in images:
                _report_service(project, project.services[name], options, images[name], chosen, report, engine, result)
    return result


def _report_service(project: Project, service: Service, options: UpOptions, image, chosen: set[str], report: DryRunReporter, engine: Engine, result: UpResult) -> None:
    try:
        actions = plan(project, service, options, image, engine, chosen)
    except ComposerError as exc:
        result.failures[service.name] = exc.one_line()
        report.status("Service", service.name, f"Error: {exc.one_line()}")
        return
    for action in actions:
        report.steps("Container", action.name, *action_steps(action, options.strategy.no_start))
    result.started.append(service.name)


def _report_orphans(project: Project, options: UpOptions, report: DryRunReporter, engine: Engine) -> None:
    for name in orphans(engine.containers(project.name), project.services):
        if options.remove_orphans:
            report.steps("Container", name, "Stopping", "Stopped", "Removing", "Removed")
        else:
            report.status("Container", name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")


@from_netplugins
def report_networks(project: Project, keys, report: DryRunReporter) -> None:
    """Creating for each bridge network that is not up yet; a missing external one is an error."""
    from netplugins.bridge import bridge_for
    from netplugins.registry import plugin_for

    for key in sorted(set(keys)):
        cfg = networking.network_config(project, key)
        plugin = plugin_for(cfg.driver)
        if not hasattr(plugin, "ready") or plugin.ready(cfg):
            continue
        if cfg.external:
            bridge = bridge_for(cfg)
            if not Path(f"/sys/class/net/{bridge}").exists():
                raise NetworkError(f"external network {cfg.name}: there is no bridge named {bridge}", f"create it (ip link add {bridge} type bridge) or set external: false")
            continue
        report.steps("Network", cfg.name, "Creating", "Created")


def _report_volumes(project: Project, report: DryRunReporter) -> None:
    for volume in project.volumes.values():
        if not _volume_exists(volume):
            report.steps("Volume", volume.name, "Creating", "Created")


def _report_ambassador(project: Project, name: str, report: DryRunReporter) -> None:
    if keepers.keeper_pid(project.name, name) is not None:
        report.status("Ambassador", name, "Running")
    else:
        report.steps("Ambassador", name, "Creating", "Started")


# --- images -----------------------------------------------------------------------------


def _find_images(project: Project, names: list[str], options: UpOptions, report: DryRunReporter, engine: Engine, result: UpResult) -> dict:
    """Service → image in the store (None: it would be pulled or built first)."""
    found, pulled = {}, set()
    for name in sorted(names):
        try:
            found[name] = _image_for(project, project.services[name], options, report, engine, pulled)
        except ComposerError as exc:
            result.failures[name] = exc.one_line()
            report.status("Service", name, f"Error: {exc.one_line()}")
    return found


def _image_for(project: Project, service: Service, options: UpOptions, report: DryRunReporter, engine: Engine, pulled: set[str]):
    from composer.images.build import default_image_name

    ref = service.image or default_image_name(project.name, service.name)
    policy = options.pull or service.pull_policy or "missing"
    existing = engine.images.get(ref)
    if service.build is not None and (options.build or policy == "build" or existing is None):
        report.steps("Image", service.image or service.name, "Building", "Built")
        return existing
    if policy == "never" and existing is None:
        try:
            engine.images.pull(ref, policy="never")  # only looks: raises up's own error
        except ImageError as exc:
            raise ImageError(f"service {service.name}: {exc.message}", exc.hint) from None
    if (existing is None or policy == "always") and ref not in pulled:
        pulled.add(ref)  # services sharing an image: one pull, as in a real run
        report.steps("Image", ref, "Pulling", "Pulled")
    return existing


# --- planning without preparing ---------------------------------------------------------


def plan(project: Project, service: Service, options: UpOptions, image, engine: Engine, chosen=()) -> list[ContainerAction]:
    """up's plan for the service, with specs built from host_facts() (see the module doc)."""
    replicas = options.scale.get(service.name, service.replicas)
    current = [s for s in engine.containers(project.name, service.name) if not _is_one_off(project.name, s.name)]
    if image is None:
        return _plan_without_image(project, service, replicas, current)
    shared = host_facts(project, service, image, engine)
    desired = [_spec(project, service, number, image, shared, chosen) for number in range(1, replicas + 1)]
    return plan_service(desired, current, options.strategy)


def host_facts(project: Project, service: Service, image, engine: Engine) -> HostFacts:
    """What up's _service_facts returns, computed without unpacking or writing anything."""
    layers = engine.images.layers
    return HostFacts(
        lowerdirs=tuple(str(layers.layer_dir(layer.diff_id)) for layer in reversed(image.layers)),
        volume_dirs={key: str(_volume_path(project, volume)) for key, volume in project.volumes.items()},
        secret_files={ref.source: resources.file_path(project, "secret", project.secrets[ref.source]) for ref in service.secrets},
        config_files={ref.source: resources.file_path(project, "config", project.configs[ref.source]) for ref in service.configs},
        extra_env=link_environment(project, service),
    )


def _spec(project: Project, service: Service, number: int, image, shared: HostFacts, chosen):
    name = container_name(project, service, number)
    mounts = ()
    if service.network_mode != "host":  # the dir hostsfiles.prepare would make
        mounts = (Mount.bind(str(hostsfiles.files_dir(project.name, name)), hostsfiles.MOUNT_POINT, read_only=True),)
    facts = replace(shared, anonymous_root=resources.anonymous_root(name), netns=_netns(project, service, name, chosen), extra_mounts=mounts)
    return build_container_spec(project, service, number, image.config, facts)


def _netns(project: Project, service: Service, name: str, chosen) -> str | None:
    """networking.netns_for; a `service:` target this same up would start has no netns yet."""
    try:
        return networking.netns_for(project, service, name)
    except ComposerError:
        other = project.services.get((service.network_mode or "").partition("service:")[2])
        if other is None or other.name not in chosen:
            raise
        return f"/run/netns/{container_name(project, other, 1)}"


def _plan_without_image(project: Project, service: Service, replicas: int, current) -> list[ContainerAction]:
    existing = {state.name for state in current}
    wanted = [container_name(project, service, number) for number in range(1, replicas + 1)]
    actions = [ContainerAction(Step.RECREATE if n in existing else Step.CREATE, n, None, "new image") for n in wanted]
    return actions + [ContainerAction(Step.REMOVE, n, None, "beyond the wanted scale") for n in sorted(existing - set(wanted))]


def _made_elsewhere(volume: Volume) -> bool:
    """External, another driver or a bound device: ensure_volume only checks these, never makes them."""
    device = volume.driver_opts.get("device")
    return volume.external or volume.driver not in (None, "local") or bool(device and "bind" in volume.driver_opts.get("o", ""))


def _volume_exists(volume: Volume) -> bool:
    return _made_elsewhere(volume) or resources.volume_dir(volume).is_dir()


def _volume_path(project: Project, volume: Volume) -> Path:
    """resources.ensure_volume's answer and errors, without its mkdir."""
    if _made_elsewhere(volume):
        return resources.ensure_volume(project, volume)  # these branches only check and return
    return resources.volume_dir(volume)




def _is_one_off(project_name: str, name: str) -> bool:
    record = records.load_container(project_name, name)
    return record is not None and record.oneoff


# --- down, lifecycle verbs, pull, build -------------------------------------------------


def down(project: Project, engine: Engine, reporter: Reporter, volumes: bool = False, remove_orphans: bool = False, rmi: str | None = None) -> int:
    """What `down` would stop and remove: containers, ambassadors, networks, volumes, images."""
    from composer.verbs.down import stop_order

    report = DryRunReporter(reporter)
    for group in stop_order(project, engine.containers(project.name)):
        for state in group:
            if state.service not in project.services and not remove_orphans:
                report.status("Container", state.name, "Orphan kept (use --remove-orphans)")
            else:
                report.steps("Container", state.name, *(("Stopping", "Stopped") if state.status in RUNNING else ()), "Removing", "Removed")
    root = records.project_dir(project.name) / "proxies"
    for name in sorted(p.name for p in root.iterdir()) if root.is_dir() else []:
        report.status("Ambassador" if name != keepers.PORTS else "Ports", name, "Stopped")
    for name in _existing_networks(project):
        report.steps("Network", name, "Removing", "Removed")
    for volume in project.volumes.values() if volumes else ():
        if _own_volume(project, volume):
            report.steps("Volume", volume.name, "Removing", "Removed")
    for ref in _images_to_remove(project, engine, rmi) if rmi else ():
        report.steps("Image", ref, "Removing", "Removed")
    return 0


def _existing_networks(project: Project) -> list[str]:
    from netplugins.bridge import bridge_for

    found = []
    for key, network in project.networks.items():
        if not network.external and (network.driver or "bridge") == "bridge":
            if Path(f"/sys/class/net/{bridge_for(networking.network_config(project, key))}").exists():
                found.append(network.name)
    return found


def _own_volume(project: Project, volume: Volume) -> bool:
    owner = resources.volume_dir(volume).parent / resources.VOLUME_LABEL_FILE
    return not volume.external and owner.exists() and owner.read_text() == project.name


def _images_to_remove(project: Project, engine: Engine, which: str) -> list[str]:
    refs = [s.image or f"{project.name}-{s.name}" for s in project.services.values() if not (which == "local" and s.image)]
    return [ref for ref in refs if engine.images.get(ref) is not None]


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
    from composer.images.build import default_image_name

    report = DryRunReporter(reporter)
    for name, service in project.services.items():
        if service.build is not None and (not services or name in services):
            report.steps("Image", service.image or default_image_name(project.name, name), "Building", "Built")
    return 0
