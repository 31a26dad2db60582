"""Ambassadors: a network namespace attached to the ambassador's networks like a container's
(so it has a name and an address there) and one forwarder listening inside it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

from composer.atomic import write_atomically
from composer.config.model import Ambassador, Project, Service
from composer.crash import crash_point
from composer.drivers.runc import hostsfiles, networks, resources
from composer.drivers.runc.keepers import ambassador_netns, ensure_proxy, proxy_dir
from composer.drivers.runc.targets import write_service_targets
from composer.errors import NetworkError, from_netplugins

NANOSECOND = 1e-9


@from_netplugins
def start_ambassador(project: Project, ambassador: Ambassador, containers) -> None:
    """Namespace on its networks, name in everyone's hosts file, forwarder listening."""
    from netplugins.forwarder.addresses import parse_endpoint  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.forwarder.config import AmbassadorConfig  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    netns = ambassador_netns(project.name, ambassador.name)
    keys = ambassador.networks or ("default",)
    networks.attach(project, Service(name=ambassador.name, networks={k: None for k in keys}), netns)
    hostsfiles.refresh(project.name)
    crash_point("ambassador.attached")
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
        fast_path="auto" if kernel_can_keep(ambassador) else "off",
    )
    ensure_proxy(project.name, ambassador.name, [entry], f"/run/netns/{netns}")


def kernel_can_keep(ambassador: Ambassador) -> bool:
    """Whether the kernel path keeps every declared setting: the kernel has no connection
    limit, timeouts or least-connections, and no unix sockets (the forwarder checks the rest)."""
    declared = (ambassador.max_connections, ambassador.idle_timeout, ambassador.connect_timeout)
    plain = "unix" not in (ambassador.listen.protocol, ambassador.target.protocol)
    return ambassador.fast_path == "auto" and plain and ambassador.balance == "round-robin" and declared == (None, None, None)


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
    write_atomically(directory / "target-spec.json", json.dumps(spec))  # read by other services' tasks meanwhile
    write_service_targets(project.name, directory / "targets.json", spec, containers)
    return [], str(directory / "targets.json")
