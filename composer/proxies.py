"""Ambassadors and published ports: the project's forwarder processes.

Each ambassador gets a network namespace attached to its networks like a container
(so it has a name and an address there) and one forwarder, under a keeper that restarts
it, listening inside that namespace. Published ports (of services and of ambassadors)
are served by one more forwarder in the host's namespace, a userland proxy like Docker's
docker-proxy, so loopback publishing works without route_localnet. Targets that are
project services live in targets files, rewritten (atomically) whenever a replica is
created, removed or changes health, and re-read by the forwarders on each connection.

    <run>/projects/<p>/proxies/<name>/config.json stats.json forwarder.log keeper.pid
                                      targets*.json target-spec.json
    <run>/projects/<p>/proxies/ports/published.json   what `compose port` and `ps` show
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

from composer import hostsfiles, networking, records, resources
from composer.config.model import Ambassador, PortMapping, Project, Service
from composer.errors import NetworkError, from_netplugins

PORTS = "ports"  # the proxy publishing host ports
NANOSECOND = 1e-9


def proxy_dir(project_name: str, name: str) -> Path:
    return records.project_dir(project_name) / "proxies" / name


def ambassador_netns(project_name: str, name: str) -> str:
    return f"{project_name}-{name}-amb"


# --- keepers ----------------------------------------------------------------------------


def keeper_pid(project_name: str, name: str) -> int | None:
    try:
        pid = int((proxy_dir(project_name, name) / "keeper.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"netplugins.forwarder.keeper" in cmdline else None


@from_netplugins
def ensure_proxy(project_name: str, name: str, entries: list, netns: str | None) -> None:
    """Write the forwarder's config; start its keeper, or make the running one reload."""
    from netplugins.forwarder.api import start_keeper, write_config

    directory = proxy_dir(project_name, name)
    directory.mkdir(parents=True, exist_ok=True)
    config = str(directory / "config.json")
    write_config(config, entries, stats=str(directory / "stats.json"))
    pid = keeper_pid(project_name, name)
    if pid is not None:
        os.kill(pid, signal.SIGHUP)
        return
    pid = start_keeper(config, netns, log_path=str(directory / "forwarder.log"))
    (directory / "keeper.pid").write_text(str(pid))


def stop_proxy(project_name: str, name: str, timeout: float = 5.0) -> None:
    pid = keeper_pid(project_name, name)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while keeper_pid(project_name, name) == pid and time.monotonic() < deadline:
            time.sleep(0.02)
        if keeper_pid(project_name, name) == pid:
            os.killpg(pid, signal.SIGKILL)
    shutil.rmtree(proxy_dir(project_name, name), ignore_errors=True)


def stop_all(project_name: str) -> list[str]:
    root = records.project_dir(project_name) / "proxies"
    names = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    for name in names:
        stop_proxy(project_name, name)
    return names


def read_stats(project_name: str, name: str) -> dict:
    from netplugins.forwarder.api import read_stats as read

    return read(str(proxy_dir(project_name, name) / "stats.json"))


# --- ambassadors ------------------------------------------------------------------------


@from_netplugins
def start_ambassador(project: Project, ambassador: Ambassador, containers) -> None:
    """Namespace on its networks, name in everyone's hosts file, forwarder listening."""
    from netplugins.forwarder.addresses import parse_endpoint
    from netplugins.forwarder.config import AmbassadorConfig

    netns = ambassador_netns(project.name, ambassador.name)
    keys = ambassador.networks or ("default",)
    networking.attach(project, Service(name=ambassador.name, networks={k: None for k in keys}), netns)
    hostsfiles.refresh(project.name)
    directory = proxy_dir(project.name, ambassador.name)
    directory.mkdir(parents=True, exist_ok=True)
    target, targets_file = _target(project, ambassador, directory, containers)
    entry = AmbassadorConfig(
        name=ambassador.name,
        listen=parse_endpoint(_listen(project, ambassador), listen=True),
        target=tuple(parse_endpoint(t, listen=False) for t in target),
        targets_file=targets_file,
        retry=ambassador.retry * NANOSECOND,
        connect_timeout=(ambassador.connect_timeout or 5_000_000_000) * NANOSECOND,
        balance=ambassador.balance,
        max_connections=ambassador.max_connections or 4096,
        idle_timeout=(ambassador.idle_timeout or 0) * NANOSECOND,
    )
    ensure_proxy(project.name, ambassador.name, [entry], f"/run/netns/{netns}")


def _listen(project: Project, ambassador: Ambassador) -> str:
    listen = ambassador.listen
    if listen.protocol != "unix":
        return f"{listen.protocol}://{listen.host or '0.0.0.0'}:{listen.port}"
    if listen.volume:  # a socket inside a project volume, for the services that mount it
        volume_dir = resources.ensure_volume(project, project.volumes[listen.volume])
        return f"unix://{volume_dir / listen.path.lstrip('/')}"
    return f"unix://{listen.path}"


def _target(project: Project, ambassador: Ambassador, directory: Path, containers) -> tuple[list[str], str]:
    target = ambassador.target
    if target.protocol == "unix":
        return [f"unix://{target.path}"], ""
    if ambassador.target_service is None:  # another host: resolved now, the forwarder takes IPs
        try:
            address = socket.gethostbyname(target.host)
        except OSError as exc:
            raise NetworkError(f"ambassador {ambassador.name}: cannot resolve {target.host}: {exc}") from None
        return [f"{target.protocol}://{address}:{target.port}"], ""
    spec = {"service": ambassador.target_service, "port": target.port, "protocol": target.protocol,
            "networks": list(ambassador.networks or ("default",))}
    (directory / "target-spec.json").write_text(json.dumps(spec))
    _write_service_targets(project.name, directory / "targets.json", spec, containers)
    return [], str(directory / "targets.json")


@from_netplugins
def refresh_targets(project_name: str, list_containers: Callable[[], list]) -> None:
    """Point every service-targeting forwarder at the service's current replicas (the
    containers are listed only when some forwarder targets a service)."""
    root = records.project_dir(project_name) / "proxies"
    ports = proxy_dir(project_name, PORTS)
    targets = [(spec, spec.parent / "targets.json") for spec in sorted(root.glob("*/target-spec.json"))] if root.is_dir() else []
    targets += [(spec, ports / spec.name.replace("spec-", "targets-")) for spec in sorted(ports.glob("spec-*.json"))] if ports.is_dir() else []
    containers = list_containers() if targets else []
    for spec_path, targets_path in targets:
        _write_service_targets(project_name, targets_path, json.loads(spec_path.read_text()), containers)


def _write_service_targets(project_name: str, path: Path, spec: dict, containers) -> None:
    from netplugins.forwarder.api import write_targets

    states = {state.name: state for state in containers}
    found = []
    for endpoint in networking.endpoints(project_name):
        if endpoint.service != spec["service"] or endpoint.network not in spec["networks"]:
            continue
        state = states.get(endpoint.owner)
        if endpoint.owner == ambassador_netns(project_name, endpoint.service):
            healthy = True  # an ambassador published on the host: its forwarder is the target
        elif state is None or state.status not in ("running", "restarting"):
            continue
        else:
            healthy = state.health is None or state.health.status != "unhealthy"
        found.append((endpoint.ip, spec["port"], healthy))
    write_targets(str(path), sorted(set(found)), spec["protocol"])


# --- published ports ----------------------------------------------------------------------


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
    from netplugins.forwarder.addresses import parse_endpoint
    from netplugins.forwarder.config import AmbassadorConfig

    directory = proxy_dir(project.name, PORTS)
    previous = {(p["name"], p["target"], p["protocol"], p["host_ip"]): p["published"] for p in published(project.name)}
    entries, shown = [], []
    for index, (name, mapping) in enumerate(wanted_ports(project)):
        host_ip = mapping.host_ip or "0.0.0.0"
        port = previous.get((name, mapping.target, mapping.protocol, host_ip)) or _pick_port(mapping, host_ip)
        spec = {"service": name, "port": mapping.target, "protocol": mapping.protocol, "networks": _networks_of(project, name)}
        stem = f"{index}-{name}.json"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"spec-{stem}").write_text(json.dumps(spec))
        targets = directory / f"targets-{stem}"
        _write_service_targets(project.name, targets, spec, containers)
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
    ensure_proxy(project.name, PORTS, entries, None)
    (directory / "published.json").write_text(json.dumps(shown))
    return shown


def _networks_of(project: Project, name: str) -> list[str]:
    if name in project.ambassadors:
        return list(project.ambassadors[name].networks or ("default",))
    return networking.attached_keys(project.services[name])[:1]


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
