"""A service's containers on runc: their specs, and making and removing one with everything it has.

desired_specs() is the one place the specs are built, for `up` (prepare=True: volumes
made, secrets written, /etc dir ready) and for --dry-run (prepare=False). A spec's hash
covers host paths (image layer dirs, volume dirs, secret files, the /etc dir, the netns);
those are pure functions of names, so the unprepared specs carry the very hashes `up`
would get, and the dry run's "Recreate" means what it means in a real run.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from composer.config.model import Project, Service, Volume
from composer.crash import crash_point
from composer.drivers.runc import hostsfiles, networks, records, resources, targets
from composer.drivers.runc.links import link_environment
from composer.errors import ComposerError
from composer.plan.service import container_name
from composer.runtime.layout import ContainerPaths
from composer.runtime.spec import ContainerSpec, Mount

if TYPE_CHECKING:
    from composer.drivers.runc.container_spec import HostFacts


def desired_specs(project: Project, service: Service, replicas: int, image, images, prepare: bool = True, chosen=()) -> list[ContainerSpec]:
    """The specs of replicas 1..replicas. prepare=False changes nothing on the host;
    `chosen`: what this run starts (a `service:` netns it would make counts as there)."""
    shared = _service_facts(project, service, image, images) if prepare else _facts_unprepared(project, service, image, images)
    return [_spec(project, service, number, image, shared, prepare, chosen) for number in range(1, replicas + 1)]


def _service_facts(project: Project, service: Service, image, images) -> HostFacts:
    """What every replica of the service shares: layers, volumes, secrets, link variables."""
    from composer.drivers.runc.container_spec import HostFacts  # on use: only up and run build specs; down and rm need none of it

    secrets, configs = resources.materialize(project, service)
    return HostFacts(
        lowerdirs=tuple(str(p) for p in images.lowerdirs(image)),
        volume_dirs={key: str(resources.ensure_volume(project, volume)) for key, volume in project.volumes.items()},
        secret_files=secrets,
        config_files=configs,
        extra_env=link_environment(project, service),
    )


def _facts_unprepared(project: Project, service: Service, image, images) -> HostFacts:
    """What _service_facts returns, computed without unpacking or writing anything."""
    from composer.drivers.runc.container_spec import HostFacts  # on use: only up and run build specs; down and rm need none of it

    layers = images.layers
    return HostFacts(
        lowerdirs=tuple(str(layers.layer_dir(layer.diff_id)) for layer in reversed(image.layers)),
        volume_dirs={key: str(_volume_path(project, volume)) for key, volume in project.volumes.items()},
        secret_files=resources.secret_paths(project, service),
        config_files={ref.source: resources.file_path(project, "config", project.configs[ref.source]) for ref in service.configs},
        extra_env=link_environment(project, service),
    )


def _spec(project: Project, service: Service, number: int, image, shared: HostFacts, prepare: bool, chosen) -> ContainerSpec:
    name = container_name(project, service, number)
    facts = replace(
        shared,
        anonymous_root=resources.anonymous_root(name),
        netns=networks.netns_for(project, service, name) if prepare else _netns_unprepared(project, service, name, chosen),
        extra_mounts=_etc_mounts(project, service, name, prepare),
    )
    from composer.drivers.runc.container_spec import build_container_spec  # on use: as above

    return build_container_spec(project, service, number, image.config, facts)


def _etc_mounts(project: Project, service: Service, name: str, prepare: bool) -> tuple:
    """/etc/hosts, resolv.conf and hostname, kept current by hostsfiles (host mode keeps the host's)."""
    if service.network_mode == "host":
        return ()
    if prepare:
        directory = hostsfiles.prepare(project.name, name, service.hostname or name)
    else:  # the dir hostsfiles.prepare would make
        directory = str(hostsfiles.files_dir(project.name, name))
    return (Mount.bind(directory, hostsfiles.MOUNT_POINT, read_only=True),)


def _netns_unprepared(project: Project, service: Service, name: str, chosen) -> str | None:
    """networks.netns_for; a `service:` target this same up would start has no netns yet."""
    try:
        return networks.netns_for(project, service, name)
    except ComposerError:
        other = project.services.get((service.network_mode or "").partition("service:")[2])
        if other is None or other.name not in chosen:
            raise
        return f"/run/netns/{container_name(project, other, 1)}"


def refuse_names_taken(project: Project, runtime) -> None:
    """A container_name that another project's container already has: Docker refuses the
    create ("already in use"); refused here before anything is made, since the name is
    also the container's netns, state dir and hosts entry."""
    fixed = {service.container_name: service.name for service in project.services.values() if service.container_name}
    if not fixed:
        return
    for state in runtime.list():
        if state.name in fixed and state.project != project.name:
            raise ComposerError(
                f'service {fixed[state.name]}: container name "{state.name}" is already in use by a container of project {state.project}',
                "remove that container, or give this one another container_name",
            )


def made_elsewhere(volume: Volume) -> bool:
    """External, another driver or a bound device: ensure_volume only checks these, never makes them."""
    device = volume.driver_opts.get("device")
    return volume.external or volume.driver not in (None, "local") or bool(device and "bind" in volume.driver_opts.get("o", ""))


def _volume_path(project: Project, volume: Volume) -> Path:
    """resources.ensure_volume's answer and errors, without its mkdir."""
    if made_elsewhere(volume):
        return resources.ensure_volume(project, volume)  # these branches only check and return
    return resources.volume_dir(volume)


def is_one_off(project_name: str, name: str) -> bool:
    record = records.load_container(project_name, name)
    return record is not None and record.oneoff


def create_container(project: Project, service: Service, spec: ContainerSpec, image, runtime, oneoff: bool = False, use_aliases: bool = False) -> None:
    """The record first (a kill -9 from here on leaves something `down` finds: see
    remove_half_made), then the network (the spec names its netns), the container, its /etc links."""
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
    records.mark_creating(project.name, spec.name)
    networks.attach(project, service, spec.name, by_service=not oneoff or use_aliases)
    if service.network_mode != "host":  # a recreate removed the old container's directory
        hostsfiles.prepare(project.name, spec.name, spec.hostname)
    try:
        runtime.create(spec)
        crash_point("create.runtime-made")
        if service.network_mode != "host":
            hostsfiles.link_into_rootfs(ContainerPaths.for_name(spec.name).rootfs)
    except BaseException:
        remove_container(project.name, spec.name, runtime)
        raise
    hostsfiles.write_own(project.name, spec.name)
    records.done_creating(project.name, spec.name)
    crash_point("create.hosts-written")
    hostsfiles.refresh_soon(project.name)


def remove_container(project_name: str, name: str, runtime, tell_others: bool = True) -> None:
    """Everything a container has: the container, its network, its names, its record.
    tell_others=False leaves the other containers' hosts files and the ambassadors' targets
    for the caller to refresh once (`down` removes everything anyway)."""
    runtime.remove(name)
    crash_point("remove.runtime-gone")
    networks.detach(project_name, name)
    hostsfiles.forget(project_name, name)
    records.forget_container(project_name, name)
    if tell_others:
        hostsfiles.refresh_soon(project_name)
        targets.refresh_targets(project_name, lambda: runtime.list(project_name))


def remove_half_made(project_name: str, runtime, keep: set[str]) -> None:
    """Containers with a record but no container: an `up` killed while making them, or a
    `down` killed while removing them. Whatever of them is on the host goes."""
    live = {state.name for state in runtime.list(project_name)}
    for name in records.container_names(project_name):
        if name not in live and name not in keep:
            remove_container(project_name, name, runtime, tell_others=False)
