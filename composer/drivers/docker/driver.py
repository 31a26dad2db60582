"""DockerDriver: the driver protocol (composer/drivers/protocol.py) on a Docker engine.

The engine keeps the state (containers, networks and volumes labelled as Compose v2 labels
them), so there are no records, no stop-order file and no converged fast path: every
observation is a question to the engine, and Compose v2 sees what we made and we see what
it made. Ambassadors are containers (ambassadors.py); x-readiness is probed from our side
(readiness.py); composer's file logs are written by a log pump (log_pump.py).
"""

from __future__ import annotations

from composer.drivers.docker import ambassadors, observe, resources
from composer.drivers.docker.create_config import DockerSpec, archive, container_body, endpoint, in_memory_files, labels, network_order, pumped_logs
from composer.drivers.engine_api import connect, engine_errors, engine_host
from composer.drivers.docker.extras import DockerExtras
from composer.drivers.docker.hashes import ProjectHashes
from composer.drivers.docker.images import EngineImages
from composer.drivers.docker.log_files import start_log_pump
from composer.drivers.docker.readiness import ReadinessProbes
from composer.drivers.docker.runtime import P, DockerRuntime
from composer.errors import ComposerError


class DockerDriver(DockerExtras):
    name = "docker"

    def __init__(self) -> None:
        self.api = connect()
        self.runtime = DockerRuntime(self.api)
        self.images = EngineImages(self.api)
        self._hashes: dict[int, ProjectHashes] = {}
        self._project = None  # the project `up` is converging (x-readiness and ambassadors need its model)
        self._probes = ReadinessProbes(self.log_reader)

    def hashes(self, project) -> ProjectHashes:
        key = id(project)  # one rendering per loaded project (a one-off run is its own project)
        if key not in self._hashes:
            self._hashes[key] = ProjectHashes(project)
        return self._hashes[key]

    # --- observe -------------------------------------------------------------------------

    def containers(self, project: str, service: str | None = None):
        states = self.runtime.list(project, service)
        model = self._project
        if model is None or model.name != project or not any(s.readiness for s in model.services.values()):
            return states
        return [self._probes.apply(s, getattr(model.services.get(s.service), "readiness", None)) for s in states]

    def unchanged(self, project):
        return None  # every `up` asks the engine: it holds the truth

    def is_one_off(self, project: str, name: str) -> bool:
        return self._labels(name).get(P + "oneoff") == "True"

    def remembered_stop_order(self, project):
        return None

    def missing_networks(self, project, keys) -> list[str]:
        return resources.missing_networks(self.api, project, keys)

    def existing_networks(self, project) -> list[str]:
        return resources.existing_networks(self.api, project)

    def missing_volumes(self, project) -> list[str]:
        return resources.missing_volumes(self.api, project)

    def own_volumes(self, project) -> list[str]:
        return [v["Name"] for v in resources.own_volumes(self.api, project)]

    def ambassador_running(self, project: str, name: str) -> bool:
        raw = ambassadors.running(self.api, project).get(name)
        return bool(raw and raw["State"]["Running"])

    def proxies(self, project: str) -> list[tuple[str, str]]:
        return [("Ambassador", name) for name in sorted(ambassadors.running(self.api, project))]

    def published_ports(self, project: str) -> list[dict]:
        return observe.published_ports(self.runtime.list_raw(project))

    def known_projects(self) -> dict[str, dict]:
        return observe.known_projects(self.api)

    def container_record(self, project: str, name: str):
        return observe.record_of(self.runtime.inspect_raw(name))

    def mounts(self, name: str) -> tuple[int, list[str]]:
        return observe.mounts(self.runtime.inspect_raw(name))

    def network_names(self, project: str, name: str, service) -> list[str]:
        return observe.network_names(self.runtime.inspect_raw(name))

    def ambassador_status(self, project: str, name: str) -> tuple[bool, dict, str]:
        container = ambassadors.container_name(project, name)
        alive = self.ambassador_running(project, name)
        return alive, (ambassadors.stats(self.api, container).get(name, {}) if alive else {}), container

    def ambassador_log(self, project: str, name: str) -> bytes | None:
        try:
            records = self.log_reader(ambassadors.container_name(project, name)).read()
            return b"".join(r.text.encode() + b"\n" for r in records)
        except ComposerError:
            return None

    def state_changes(self):
        return observe.PollingChanges()

    def snapshot(self, project: str, services: tuple[str, ...] = ()):
        raws = self.runtime.list_raw(project)
        found = {raw["Name"].lstrip("/"): observe.snapshot(raw) for raw in raws}
        return {name: snap for name, snap in found.items() if not services or snap.service in services}

    def log_reader(self, name: str):
        return observe.EngineLogReader(self.api, name)

    # --- images --------------------------------------------------------------------------

    def image_for(self, project, service, pull_override, reporter, build: bool = False):
        from composer.drivers.docker import images  # on use: builds and pulls only

        return images.image_for(self.images, project, service, pull_override, reporter, build)

    def build_image(self, project, service, reporter, options=None):
        from composer.drivers.docker import images  # on use: builds only

        return images.build_image(self.images, project, service, reporter, options)

    def image_if_present(self, project, service, pull_override, build: bool):
        from composer.drivers.docker import images  # on use: --dry-run only

        return images.image_if_present(self.images, project, service, pull_override, build)

    # --- project-wide actions ------------------------------------------------------------

    def begin_up(self, project, stop_generations) -> None:
        self._project = project  # refresh_targets is given only the name

    def ensure_networks(self, project, keys) -> None:
        resources.ensure_networks(self.api, project, keys, self.hashes(project))

    def prepare_to_start(self) -> None:
        return None  # the engine is already running: nothing to start ahead

    def check_ports_free(self, project) -> None:
        return None  # the engine refuses a taken port at start, with its own line (engine.py maps it)

    def desired_containers(self, project, service, replicas: int, image, prepare: bool = True, chosen=()):
        config_hash = self.hashes(project).service(service.name)
        image_id = image.id if image is not None else ""
        ref = image.ref if image is not None else (service.image or "")
        specs = []
        for number in range(1, replicas + 1):
            name = service.container_name or f"{project.name}-{service.name}-{number}"
            label_map = labels(project, service, number, config_hash, image_id, oneoff=False)
            body = container_body(project, service, ref, label_map, self._network_mode(project, service, prepare))
            keys = network_order(project, service) if not service.network_mode else []
            extra = {project.networks[k].name: endpoint(service, k, name) for k in keys[1:]}
            files = in_memory_files(project, service, project.environment)
            specs.append(DockerSpec(name, number, config_hash, image_id, body, extra, files))
        return specs

    def _network_mode(self, project, service, prepare: bool) -> str | None:
        mode = service.network_mode
        if mode and mode.startswith("service:"):
            found = self.runtime.list(project.name, mode.split(":", 1)[1])
            if not found and prepare:
                raise ComposerError(f"service {service.name}: network_mode {mode}: no container of that service")
            return f"container:{found[0].name}" if found else mode
        if mode:
            return mode
        keys = network_order(project, service)
        return project.networks[keys[0]].name if keys else "none"

    def create_container(self, project, service, spec: DockerSpec, image, oneoff: bool = False, use_aliases: bool = False) -> None:
        resources.ensure_volumes(self.api, project, self.hashes(project))
        body = dict(spec.body)
        body["Labels"] = {**body["Labels"], P + "oneoff": "True" if oneoff else "False"}
        keys = network_order(project, service) if not service.network_mode else []
        by_service = not oneoff or use_aliases  # a `run` container: its own name only, as Compose
        networking = {"EndpointsConfig": {project.networks[keys[0]].name: endpoint(service, keys[0], spec.name, by_service)}} if keys else None
        if networking:
            body["NetworkingConfig"] = networking
        with engine_errors(f"container {spec.name}: create"):
            self.api.create_container_from_config(body, spec.name)
            for network, config in spec.extra_networks.items():
                self.api.connect_container_to_network(
                    spec.name, network, aliases=config.get("Aliases") if by_service else [spec.name], ipv4_address=(config.get("IPAMConfig") or {}).get("IPv4Address"),
                    ipv6_address=(config.get("IPAMConfig") or {}).get("IPv6Address"), driver_opt=config.get("DriverOpts"),
                )
            if spec.files:
                self.api.put_archive(spec.name, "/", archive(spec.files))
        if pumped_logs(service):
            start_log_pump(engine_host(), project.name, service, spec.name, self.runtime.inspect_raw(spec.name)["Id"])

    def remove_container(self, project: str, name: str, tell_others: bool = True) -> None:
        self.runtime.remove(name)

    def remove_orphan(self, project: str, name: str) -> None:
        self.runtime.remove(name)

    def start_ambassador(self, project, ambassador) -> None:
        ambassadors.start(self.api, project, ambassador)

    def refresh_targets(self, project: str) -> None:
        if self._project is not None and self._project.name == project and self._project.ambassadors:
            ambassadors.refresh(self.api, self._project)

    def publish_ports(self, project) -> list[dict]:
        return []  # published by the engine when each container starts

    def flush_names(self, project) -> None:
        return None

    def record_converged(self, project) -> None:
        return None

    def stop_proxies(self, project: str) -> list[tuple[str, str]]:
        return [("Ambassador", name) for name in ambassadors.remove_all(self.api, project)]

    def remove_networks(self, project, keep: set[str]) -> list[str]:
        return resources.remove_networks(self.api, project, keep)

    def remove_volumes(self, project) -> list[str]:
        return resources.remove_volumes(self.api, project)

    def forget_project(self, project: str) -> None:
        return None

    def _labels(self, name: str) -> dict[str, str]:
        return (self.runtime.inspect_raw(name).get("Config") or {}).get("Labels") or {}

