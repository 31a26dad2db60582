"""Published ports (of services and of ambassadors): one forwarder in the host's namespace,
a userland proxy like Docker's docker-proxy, so loopback publishing works without
route_localnet; a port in use is refused before anything starts.

    <run>/projects/<p>/proxies/ports/published.json   what `compose port` and `ps` show
"""

from __future__ import annotations

import json
import socket

from composer.atomic import write_atomically
from composer.config.model import PortMapping, Project
from composer.crash import crash_point
from composer.drivers.runc import records
from composer.drivers.runc.keepers import PORTS, ensure_proxy, proxy_dir, stop_proxy
from composer.drivers.runc.targets import write_service_targets
from composer.errors import NetworkError, from_netplugins
from composer.plan.networks import attached_keys


def wanted_ports(project: Project) -> list[tuple[str, PortMapping]]:
    """(service or ambassador name, mapping) for everything the project publishes."""
    found = [(s.name, p) for s in project.services.values() if s.network_mode != "host" for p in s.ports]
    return found + [(a.name, p) for a in project.ambassadors.values() for p in a.ports]


def published(project_name: str) -> list[dict]:
    try:
        return json.loads((proxy_dir(project_name, PORTS) / "published.json").read_text())
    except (OSError, ValueError):
        return []


def check_ports_free(project: Project) -> None:
    """Before anything starts: every host port we would newly bind must be free."""
    held = {(p["host_ip"], p["published"], p["protocol"]) for p in published(project.name)}
    for name, mapping in wanted_ports(project):
        host_ip = mapping.host_ip or "0.0.0.0"
        ports = [p for p in _host_ports(mapping) if p]
        if any((host_ip, p, mapping.protocol) in held for p in ports) or not ports:
            continue
        if not any(_bindable(host_ip, p, mapping.protocol) for p in ports):
            raise NetworkError(
                f"service {name}: port {host_ip}:{mapping.published}/{mapping.protocol} is already in use",
                "stop what holds it, or publish on another port",
            )


@from_netplugins
def publish(project: Project, containers) -> list[dict]:
    """(Re)start the host proxy for every published port; returns what is published."""
    from netplugins.forwarder.addresses import parse_endpoint  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.forwarder.config import AmbassadorConfig  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    directory = proxy_dir(project.name, PORTS)
    previous = {(p["name"], p["target"], p["protocol"], p["host_ip"]): p["published"] for p in published(project.name)}
    entries, shown = [], []
    for index, (name, mapping) in enumerate(wanted_ports(project)):
        host_ip = mapping.host_ip or "0.0.0.0"
        port = previous.get((name, mapping.target, mapping.protocol, host_ip)) or _pick_port(mapping, host_ip)
        spec = {"service": name, "port": mapping.target, "protocol": mapping.protocol, "networks": _networks_of(project, name)}
        one_off = _one_off(project, name)
        if one_off:  # `run -p/--service-ports`: that container, not the service's replicas
            spec["container"] = one_off
        stem = f"{index}-{name}.json"
        directory.mkdir(parents=True, exist_ok=True)
        write_atomically(directory / f"spec-{stem}", json.dumps(spec))  # other commands read these meanwhile
        targets = directory / f"targets-{stem}"
        write_service_targets(project.name, targets, spec, containers)
        entries.append(AmbassadorConfig(
            name=f"{host_ip}:{port}->{name}:{mapping.target}/{mapping.protocol}",
            listen=parse_endpoint(f"{mapping.protocol}://{host_ip}:{port}", listen=True),
            targets_file=str(targets),
            retry=2.0,
        ))
        shown.append({"name": name, "target": mapping.target, "protocol": mapping.protocol, "host_ip": host_ip, "published": port})
    if not entries:
        stop_proxy(project.name, PORTS)
        return []
    crash_point("ports.targets-written")
    ensure_proxy(project.name, PORTS, entries, None)
    write_atomically(directory / "published.json", json.dumps(shown))
    return shown


def _one_off(project: Project, name: str) -> str | None:
    service = project.services.get(name)
    if service is None or not service.container_name:
        return None
    record = records.load_container(project.name, service.container_name)
    return service.container_name if record is not None and record.oneoff else None


def _networks_of(project: Project, name: str) -> list[str]:
    if name in project.ambassadors:
        return list(project.ambassadors[name].networks or ("default",))
    return attached_keys(project.services[name])[:1]


def _host_ports(mapping: PortMapping) -> list[int]:
    """The host ports a mapping may take: [0] for any, one, or a range (the first free is used)."""
    if not mapping.published:
        return [0]
    first, _, last = mapping.published.partition("-")
    return list(range(int(first), int(last or first) + 1))


def _pick_port(mapping: PortMapping, host_ip: str) -> int:
    candidates = _host_ports(mapping)
    if candidates == [0]:
        return _free_port(host_ip, mapping.protocol)
    return next((p for p in candidates if _bindable(host_ip, p, mapping.protocol)), candidates[0])


def _bindable(host_ip: str, port: int, protocol: str) -> bool:
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host_ip, port))
        except OSError:
            return False
    return True


def _free_port(host_ip: str, protocol: str) -> int:
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((host_ip, 0))
        return probe.getsockname()[1]
