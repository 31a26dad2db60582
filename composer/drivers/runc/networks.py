"""A project's networks and each container's place on them: the bridge between up/down
and netplugins.

Every container on a bridge network gets a network namespace named after it
(/run/netns/<container>), one interface per network (eth0 on the network of highest
priority, then in declaration order), and a record under the project's run dir holding
what the plugin returned, so `down` (and a later `up` after a crash) can undo it without
the compose file having to be the same. Name resolution is in hostsfiles.py.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from composer.atomic import write_atomically
from composer.config.model import Project, Service, ServiceNetwork
from composer.crash import crash_point
from composer.drivers.runc import records
from composer.errors import ComposerError, NetworkError, from_netplugins
from composer.plan.networks import attached_keys
from netplugins.errors import NetworkError as NetpluginsError

MTU_OPTIONS = ("com.docker.network.driver.mtu", "mtu")


def network_config(project: Project, key: str):
    from netplugins.api import IpamPool, NetworkConfig  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    network = project.networks[key]
    mtu = next((network.driver_opts[o] for o in MTU_OPTIONS if o in network.driver_opts), None)
    return NetworkConfig(
        name=network.name,
        project=project.name,
        key=key,
        driver=network.driver or "bridge",
        ipam=tuple(IpamPool(p.subnet, p.gateway, p.ip_range) for p in network.ipam.config),
        internal=network.internal,
        external=network.external,
        mtu=int(mtu) if mtu else None,
        driver_opts=dict(network.driver_opts),
        labels=dict(network.labels),
    )


@from_netplugins
def ensure_networks(project: Project, keys, known_ready: frozenset[str] = frozenset()) -> None:
    """`known_ready`: names missing_networks found ready moments ago in this command (its
    ready() runs nft and iptables, ~0.1 s: asked once per `up`, not twice)."""
    from netplugins.registry import plugin_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    for key in sorted(set(keys)):
        cfg = network_config(project, key)
        plugin = plugin_for(cfg.driver)
        if not (hasattr(plugin, "ready") and (cfg.name in known_ready or plugin.ready(cfg))):
            plugin.ensure_network(cfg)
            crash_point("network.made")


@from_netplugins
def remove_networks(project_name: str, project: Project | None = None, keep: set[str] = frozenset()) -> list[str]:
    """`down`: the project's own networks (never external ones), and any it left behind.
    Containers named in `keep` (still there, e.g. orphans down was told to keep) stay attached."""
    from netplugins.registry import plugin_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    removed = []
    for container in sorted(p.stem for p in _records_dir(project_name).glob("*.json")):
        if container not in keep:
            detach(project_name, container)  # also what an up killed mid-way left
    crash_point("down.detached")
    if project is not None:
        for key, network in project.networks.items():
            if not network.external and (network.driver or "bridge") == "bridge":
                cfg = network_config(project, key)
                plugin_for("bridge").gc(cfg, valid_keys=())  # interfaces made but never recorded
                plugin_for("bridge").remove_network(cfg)
                crash_point("network.removed")
                removed.append(network.name)
    removed += plugin_for("bridge").gc_networks(project_name, keep=())
    return removed


@from_netplugins
def missing_networks(project: Project, keys, ready: set[str] | None = None) -> list[str]:
    """What ensure_networks would create: each network that is not up yet; a missing external
    bridge is an error, as it would be there. The names found ready are added to `ready`."""
    from netplugins.bridge import bridge_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.registry import plugin_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    missing = []
    for key in sorted(set(keys)):
        cfg = network_config(project, key)
        plugin = plugin_for(cfg.driver)
        if not hasattr(plugin, "ready"):
            continue
        if plugin.ready(cfg):
            if ready is not None:
                ready.add(cfg.name)
            continue
        if cfg.external:
            bridge = bridge_for(cfg)
            if not Path(f"/sys/class/net/{bridge}").exists():
                raise NetworkError(f"external network {cfg.name}: there is no bridge named {bridge}", f"create it (ip link add {bridge} type bridge) or set external: false")
            continue
        missing.append(cfg.name)
    return missing


def existing_networks(project: Project) -> list[str]:
    """The project's own bridge networks that exist now (what remove_networks would remove)."""
    from netplugins.bridge import bridge_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    found = []
    for key, network in project.networks.items():
        if not network.external and (network.driver or "bridge") == "bridge":
            if Path(f"/sys/class/net/{bridge_for(network_config(project, key))}").exists():
                found.append(network.name)
    return found


def netns_for(project: Project, service: Service, container: str) -> str | None:
    """What the runtime should join: "host", a netns path, or None (private, loopback only)."""
    mode = service.network_mode
    if mode == "host":
        return "host"
    if mode == "none":
        return None
    if mode and mode.startswith("service:"):
        other = project.services.get(mode.split(":", 1)[1])
        target = f"{project.name}-{other.name}-1" if other and not other.container_name else (other.container_name if other else "")
        return _existing_netns(target, mode)
    if mode and mode.startswith("container:"):
        return _existing_netns(mode.split(":", 1)[1], mode)
    return f"/run/netns/{container}" if attached_keys(service) else None


def _existing_netns(container: str, mode: str) -> str:
    path = f"/run/netns/{container}"
    if not os.path.exists(path):
        raise ComposerError(f"network_mode {mode}: container {container} has no network namespace", "start it first")
    return path


@dataclass(frozen=True)
class Endpoint:
    """One container or ambassador on one network, as name resolution sees it."""

    owner: str  # container name
    service: str
    network: str  # compose key
    ip: str
    aliases: tuple[str, ...]
    by_service: bool = True  # answers to its service's name (a one-off only with run --use-aliases)


@from_netplugins
def attach(project: Project, service: Service, container: str, extra_aliases: tuple[str, ...] = (), by_service: bool = True) -> dict[str, str]:
    """Namespace plus one interface per network; returns network key → IPv4 address.
    by_service=False (a `compose run` container, as Compose v2): reached by its container
    name only, not by the service's name and aliases, nor as a target of its ports."""
    from netplugins import netns  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.api import Attachment  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.registry import plugin_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    keys = attached_keys(service)
    if not keys:
        return {}
    record = {"service": service.name, "links": _links(service), "networks": {}, "by_service": by_service}
    _save(project.name, container, record)  # first: a crash from here on is found by down
    try:
        path = str(netns.create(container))
        crash_point("attach.netns")
        for index, key in enumerate(keys):
            cfg = network_config(project, key)
            settings = service.networks[key] or ServiceNetwork()
            aliases = tuple(dict.fromkeys((settings.aliases if by_service else ()) + extra_aliases))
            att = Attachment(container, path, f"eth{index}", cfg.name, aliases, settings.ipv4_address, settings.mac_address, index == 0)
            result = plugin_for(cfg.driver).add(cfg, att)
            crash_point("attach.interface")
            record["networks"][key] = {"cfg": _cfg_dict(cfg), "ifname": att.ifname, "aliases": list(aliases), "result": result.to_dict()}
            _save(project.name, container, record)
    except BaseException:
        detach(project.name, container)
        raise
    return {key: entry["result"]["ipv4"] for key, entry in record["networks"].items()}


@from_netplugins
def detach(project_name: str, container: str) -> None:
    """Undo attach: every interface, its address lease, the namespace; idempotent."""
    from netplugins import netns  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.api import Attachment, AttachResult, NetworkConfig  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it
    from netplugins.registry import plugin_for  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    record = load_record(project_name, container)
    errors = []
    for key, entry in (record or {}).get("networks", {}).items():
        cfg = NetworkConfig(**entry["cfg"])
        att = Attachment(container, f"/run/netns/{container}", entry["ifname"], cfg.name)
        try:
            plugin_for(cfg.driver).delete(cfg, att, AttachResult.from_dict(entry["result"]))
        except (ComposerError, NetpluginsError) as exc:
            errors.append(exc.one_line())
        crash_point("detach.interface")
    netns.delete(container)
    _record_path(project_name, container).unlink(missing_ok=True)
    if errors:
        raise ComposerError(f"container {container}: network cleanup: {'; '.join(errors)}", "run compose down again")


def endpoints(project_name: str) -> list[Endpoint]:
    """Everything of the project on a network now, from the attachment records."""
    found = []
    for path in sorted(_records_dir(project_name).glob("*.json")):
        record = _read(path)
        for key, entry in record.get("networks", {}).items():
            if entry["result"].get("ipv4"):
                found.append(Endpoint(path.stem, record["service"], key, entry["result"]["ipv4"], tuple(entry["aliases"]), record.get("by_service", True)))
    return found


def load_record(project_name: str, container: str) -> dict | None:
    path = _record_path(project_name, container)
    return _read(path) if path.exists() else None


def _links(service: Service) -> dict[str, str]:
    """`links: [db:database]` → {"database": "db"}; a plain `db` aliases itself."""
    found = {}
    for link in service.links:
        target, _, alias = link.partition(":")
        found[alias or target] = target
    return found


def _cfg_dict(cfg) -> dict:
    return {"name": cfg.name, "project": cfg.project, "key": cfg.key, "driver": cfg.driver, "internal": cfg.internal, "external": cfg.external}


def _records_dir(project_name: str) -> Path:
    return records.project_dir(project_name) / "net"


def _record_path(project_name: str, container: str) -> Path:
    return _records_dir(project_name) / f"{container}.json"


def _save(project_name: str, container: str, record: dict) -> None:
    path = _record_path(project_name, container)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(record))


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
