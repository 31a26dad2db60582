"""RuncDriver: the driver protocol (composer/drivers/protocol.py) on runc, the local image
store, netplugins' bridges and the forwarder; the one place a RuncRuntime is made.

Its parts are imported when first used ("on use" below): `ps`, `wait`, `logs` and the
no-op `up -d` need the runtime and one or two parts, and importing them all cost each
of those commands ~0.1 s (the image store alone ~0.1 s, the others 3-35 ms each; measured
with python -X importtime).
"""

from __future__ import annotations

from dataclasses import replace

from composer import paths
from composer.crash import crash_point
from composer.drivers.runc.extras import RuncExtras
from composer.runtime.runc_driver import RuncRuntime


class RuncDriver(RuncExtras):
    name = "runc"

    def __init__(self) -> None:
        paths.make_private_roots()
        self.runtime = RuncRuntime()
        self._images = None
        self._host_dirs = None
        self._ready_networks: set[str] = set()  # found ready by the last missing_networks, for ensure_networks

    @property
    def images(self):
        if self._images is None:
            from composer.images import ImageStore  # on use: ~0.1 s that ps and wait do not need

            self._images = ImageStore()
        return self._images

    # --- observe -------------------------------------------------------------------------

    def containers(self, project: str, service: str | None = None):
        from composer.drivers.runc.records import is_creating  # on use: see the module doc

        # A container a kill -9 left unfinished (made, its /etc files not yet) shows no spec
        # hash, so `up` remakes it instead of starting it without its names.
        return [replace(s, spec_hash="") if is_creating(project, s.name) else s for s in self.runtime.list(project, service)]

    def unchanged(self, project):
        from composer.drivers.runc import converged  # on use: only `up -d` asks

        return converged.unchanged(project, self.runtime)

    def is_one_off(self, project: str, name: str) -> bool:
        from composer.drivers.runc.containers import is_one_off  # on use: see the module doc

        return is_one_off(project, name)

    def remembered_stop_order(self, project):
        from composer.drivers.runc.stop_order import remembered_stop_order  # on use: see the module doc

        return remembered_stop_order(project)

    def missing_networks(self, project, keys) -> list[str]:
        from composer.drivers.runc.networks import missing_networks  # on use: see the module doc

        self._refuse_unsafe_names(project)  # dry-run's first question: refuse what `up` would refuse
        self._ready_networks = set()
        return missing_networks(project, keys, self._ready_networks)

    def existing_networks(self, project) -> list[str]:
        from composer.drivers.runc.networks import existing_networks  # on use: see the module doc

        return existing_networks(project)

    def missing_volumes(self, project) -> list[str]:
        from composer.drivers.runc import resources  # on use: see the module doc
        from composer.drivers.runc.containers import made_elsewhere  # on use: see the module doc

        return [v.name for v in project.volumes.values() if not (made_elsewhere(v) or resources.volume_dir(v).is_dir())]

    def own_volumes(self, project) -> list[str]:
        from composer.drivers.runc import resources  # on use: see the module doc

        return [v.name for v in project.volumes.values() if resources.owned_by(project, v)]

    def ambassador_running(self, project: str, name: str) -> bool:
        from composer.drivers.runc.keepers import keeper_pid  # on use: see the module doc

        return keeper_pid(project, name) is not None

    def proxies(self, project: str) -> list[tuple[str, str]]:
        from composer.drivers.runc import keepers  # on use: see the module doc

        return [_proxy_kind(name) for name in keepers.proxy_names(project)]

    def published_ports(self, project: str) -> list[dict]:
        from composer.drivers.runc import ports  # on use: see the module doc

        return ports.published(project)

    def known_projects(self) -> dict[str, dict]:
        from composer.drivers.runc import records  # on use: see the module doc

        return records.known_projects()

    def container_record(self, project: str, name: str):
        from composer.drivers.runc import records  # on use: see the module doc

        return records.load_container(project, name)

    def mounts(self, name: str) -> tuple[int, list[str]]:
        from composer.drivers.runc import inventory  # on use: see the module doc

        if self._host_dirs is None:  # worked out once per command: ps asks for every container
            self._host_dirs = inventory.HostDirs.current()
        return inventory.mount_names(name, self._host_dirs)

    def network_names(self, project: str, name: str, service) -> list[str]:
        from composer.drivers.runc import inventory  # on use: see the module doc

        return inventory.network_names(project, name, service)

    def prepare_to_start(self) -> None:
        from composer.runtime.launch import prewarm  # on use: see the module doc

        prewarm()

    def ambassador_status(self, project: str, name: str) -> tuple[bool, dict, str]:
        from composer.drivers.runc import keepers  # on use: see the module doc

        alive = keepers.keeper_pid(project, name) is not None
        stats = keepers.read_stats(project, name).get("ambassadors", {}).get(name, {}) if alive else {}
        return alive, stats, keepers.ambassador_netns(project, name)

    def ambassador_log(self, project: str, name: str) -> bytes | None:
        from composer.drivers.runc import keepers  # on use: see the module doc

        try:
            return (keepers.proxy_dir(project, name) / "forwarder.log").read_bytes()
        except OSError:
            return None

    def state_changes(self):
        from composer.drivers.runc.state_watch import StateWatcher  # on use: see the module doc
        from composer.runtime.layout import containers_dir  # on use: see the module doc

        return StateWatcher(containers_dir())

    def snapshot(self, project: str, services: tuple[str, ...] = ()):
        from composer.drivers.runc.state_watch import take_snapshot  # on use: see the module doc

        return take_snapshot(self.runtime, project, services)

    def log_reader(self, name: str):
        from composer.drivers.runc.logs import reader_for  # on use: see the module doc

        return reader_for(name)

    def container_files(self, name: str):
        from composer.drivers.runc.container_fs import ContainerFiles  # on use: see the module doc

        return ContainerFiles.of(name)

    # --- images --------------------------------------------------------------------------

    def image_for(self, project, service, pull_override, reporter, build: bool = False):
        from composer.drivers.runc import images  # on use: see the module doc

        return images.image_for(self.images, project, service, pull_override, reporter, build)

    def build_image(self, project, service, reporter, options=None):
        from composer.drivers.runc import images  # on use: see the module doc

        return images.build_image(self.images, project, service, reporter, options)

    def image_if_present(self, project, service, pull_override, build: bool):
        from composer.drivers.runc import images  # on use: see the module doc

        return images.image_if_present(self.images, project, service, pull_override, build)

    # --- project-wide actions ------------------------------------------------------------

    def begin_up(self, project, stop_generations) -> None:
        from composer.drivers.runc import converged, records  # on use: see the module doc
        from composer.drivers.runc.stop_order import remember_stop_order  # on use: see the module doc

        self._refuse_unsafe_names(project)  # before anything is written or made
        records.save_project(project.name, str(project.project_dir), project.compose_files)
        remember_stop_order(project, stop_generations)
        converged.forget(project.name)  # until this run has converged everything again
        crash_point("up.recorded")

    def _refuse_unsafe_names(self, project) -> None:
        """Names that would leave the state dirs, or that another project's container has."""
        from composer.drivers.runc import resources  # on use: see the module doc
        from composer.drivers.runc.containers import refuse_names_taken  # on use: see the module doc

        resources.check_names(project)
        refuse_names_taken(project, self.runtime)

    def ensure_networks(self, project, keys) -> None:
        from composer.drivers.runc import networks  # on use: see the module doc

        known, self._ready_networks = frozenset(self._ready_networks), set()  # good for the next ensure only
        networks.ensure_networks(project, keys, known)

    def check_ports_free(self, project) -> None:
        from composer.drivers.runc import ports  # on use: see the module doc

        ports.check_ports_free(project)

    def desired_containers(self, project, service, replicas: int, image, prepare: bool = True, chosen=()):
        from composer.drivers.runc.containers import desired_specs  # on use: see the module doc

        specs = desired_specs(project, service, replicas, image, self.images, prepare, chosen)
        for spec in specs if prepare else ():  # up decides next: a half-done stop ends first
            self.runtime.finish_stopping(spec.name)
        return specs

    def create_container(self, project, service, spec, image, oneoff: bool = False, use_aliases: bool = False) -> None:
        from composer.drivers.runc.containers import create_container  # on use: see the module doc

        create_container(project, service, spec, image, self.runtime, oneoff, use_aliases)

    def remove_container(self, project: str, name: str, tell_others: bool = True) -> None:
        from composer.drivers.runc.containers import remove_container  # on use: see the module doc

        remove_container(project, name, self.runtime, tell_others)

    def remove_orphan(self, project: str, name: str) -> None:
        from composer.drivers.runc import records  # on use: see the module doc

        self.runtime.remove(name)
        records.forget_container(project, name)

    def start_ambassador(self, project, ambassador) -> None:
        from composer.drivers.runc.ambassadors import start_ambassador  # on use: see the module doc

        start_ambassador(project, ambassador, self.containers(project.name))

    def refresh_targets(self, project: str) -> None:
        from composer.drivers.runc.targets import refresh_targets  # on use: see the module doc

        refresh_targets(project, lambda: self.containers(project))

    def publish_ports(self, project) -> list[dict]:
        from composer.drivers.runc import ports  # on use: see the module doc

        return ports.publish(project, self.containers(project.name))

    def flush_names(self, project) -> None:
        from composer.drivers.runc import hostsfiles  # on use: see the module doc

        hostsfiles.flush(project.name)

    def record_converged(self, project) -> None:
        from composer.drivers.runc import converged  # on use: see the module doc

        converged.record_live(project, self.containers(project.name))

    def stop_proxies(self, project: str) -> list[tuple[str, str]]:
        from composer.drivers.runc import keepers  # on use: see the module doc

        return [_proxy_kind(name) for name in keepers.stop_all(project)]

    def remove_networks(self, project, keep: set[str]) -> list[str]:
        from composer.drivers.runc import hostsfiles, networks  # on use: see the module doc
        from composer.drivers.runc.containers import remove_half_made  # on use: see the module doc

        remove_half_made(project.name, self.runtime, keep)  # what a kill -9 cut short
        if keep:  # kept orphans, or containers that would not go: their names change
            hostsfiles.refresh(project.name)
        return networks.remove_networks(project.name, project, keep=keep)

    def remove_volumes(self, project) -> list[str]:
        from composer.drivers.runc import resources  # on use: see the module doc

        return resources.remove_project_volumes(project)

    def forget_project(self, project: str) -> None:
        from composer.drivers.runc import records  # on use: see the module doc

        records.forget_project(project)


def _proxy_kind(name: str) -> tuple[str, str]:
    from composer.drivers.runc.keepers import PORTS  # on use: see the module doc

    return ("Ports" if name == PORTS else "Ambassador", name)
