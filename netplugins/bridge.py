"""The `bridge` driver: a Linux bridge per network, a veth per container interface.

    ensure_network  subnet (ipam) → bridge (up, gateway address, mtu, ifalias) → nft chains
    add             lease → veth cv<hash> on the bridge, its peer made inside the netns as
                    att.ifname → address, up, default route via the gateway (primary and
                    not internal)
    delete          delete the host veth (its peer goes with it) and the lease; no netns needed

Every link we make carries an ifalias naming its owner (names.py); links whose alias names
someone else are never touched. `external: true` joins an existing bridge (named by the
network's name) and never changes or deletes it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path
from typing import Iterable

from . import firewall, forward_accept
from .api import (AttachResult, Attachment, AttachmentKey, ErrorCode, IpamPool, NetworkConfig,
                  NetworkState, PluginError, Route, join_errors)
from .ipam import Ipam, SubnetRecord, SubnetRequest
from .names import (BRIDGE_NAME_OPT, BRIDGE_PREFIX, bridge_alias, bridge_name, is_plain_name, is_valid_ifname,
                    key_of_alias, parse_alias, veth_alias, veth_name)
from .netlink import Link, Netlink, open_netlink, open_netns_fd
from .paths import state_root

MTU_OPT = "com.docker.network.driver.mtu"
SUPPORTED_OPTS = (BRIDGE_NAME_OPT, MTU_OPT)
CHECK_SETTLE_SECONDS = 0.5  # CNI CHECK tolerates a short convergence delay after ADD


class BridgePlugin:
    def __init__(self, ipam_root: Path | None = None) -> None:
        self.ipam = Ipam(ipam_root if ipam_root is not None else state_root() / "ipam")

    # --- networks ------------------------------------------------------------------------

    def ensure_network(self, cfg: NetworkConfig) -> NetworkState:
        bridge, mtu = _validate(cfg)
        if cfg.external:
            return self._join_external(cfg, bridge)
        with open_netlink() as host, contextlib.ExitStack() as undo:  # undo runs while host is open
            request = SubnetRequest(cfg.name, cfg.project, cfg.key, bridge, cfg.ipam[0] if cfg.ipam else None)
            record, created = self.ipam.ensure_subnet(request, _routes_except(host, bridge))
            if created:
                undo.callback(self.ipam.release_subnet, cfg.name)
            if _ensure_own_bridge(host, cfg, bridge, mtu):
                undo.callback(host.delete_link, bridge)
            host.ensure_address(bridge, IPv4Interface(f"{record.gateway}/{record.net.prefixlen}"))
            host.configure_link(bridge, alias=bridge_alias(cfg.project, cfg.name), up=True, mtu=mtu)
            firewall.ensure(bridge, record.net, cfg.internal)
            undo.pop_all()
        return NetworkState(cfg.name, bridge, record.subnet, record.gateway)

    def ready(self, cfg: NetworkConfig) -> bool:
        """True when the network already is what ensure_network would make: the bridge up
        (read from sysfs), its subnet recorded and its firewall chains present. Lets a
        no-op `up` skip netlink (and pyroute2's import) entirely."""
        bridge = bridge_for(cfg)
        try:
            flags = int(Path(f"/sys/class/net/{bridge}/flags").read_text(), 16)
        except (OSError, ValueError):
            return False
        if not flags & 0x1:  # IFF_UP
            return False
        if cfg.external:
            return True
        return (self.ipam.subnet(cfg.name) is not None and bridge in firewall.bridges_with_rules()
                and forward_accept.in_place(bridge))

    def remove_network(self, cfg: NetworkConfig) -> None:
        """External networks are never removed, only forgotten once nobody uses them."""
        bridge, _ = _validate(cfg)
        with open_netlink() as host:
            holders = self._holders(host, cfg.name)
            if holders and cfg.external:
                return  # other projects still use it
            if holders:
                raise PluginError(ErrorCode.NETWORK_IN_USE, f"network {cfg.name} still has attachments: {', '.join(holders)}",
                                  "stop and remove those containers first")
            if not cfg.external:
                self._remove_bridge(host, cfg.project, cfg.name, bridge)
        self.ipam.release_subnet(cfg.name)

    def gc_networks(self, project: str, keep: Iterable[str]) -> list[str]:
        """Remove the project's networks not in keep (with whatever is still attached)."""
        keep = set(keep)
        orphans = {r.network: r.bridge for r in self.ipam.subnets() if r.project == project and not r.external}
        with open_netlink() as host:
            links = host.links()
            for link in links:
                owner = parse_alias(link.alias)
                if link.kind == "bridge" and owner is not None and owner[0] == project:
                    orphans.setdefault(owner[1], link.name)
            orphans = {name: br for name, br in orphans.items() if name not in keep}
            for name, bridge in sorted(orphans.items()):
                self._delete_veths(host, links, name, set(), project)
                self._remove_bridge(host, project, name, bridge)
                self.ipam.release_subnet(name)
            self._remove_stray_chains(host)
        return sorted(orphans)

    def _join_external(self, cfg: NetworkConfig, bridge: str) -> NetworkState:
        with open_netlink() as host:
            link = host.link(bridge)
            if link is None or link.kind != "bridge":
                raise PluginError(ErrorCode.NETWORK_MISSING, f"external network {cfg.name}: there is no bridge named {bridge}",
                                  f"create it (ip link add {bridge} type bridge) or set external: false")
            addresses = host.addresses(bridge)
        if not addresses:
            raise PluginError(ErrorCode.INVALID_CONFIG, f"external network {cfg.name}: bridge {bridge} has no IPv4 address",
                              "give it one (it is the containers' gateway)")
        own = addresses[0]
        pool = IpamPool(subnet=str(own.network), gateway=str(own.ip))
        record, _ = self.ipam.ensure_subnet(SubnetRequest(cfg.name, "", cfg.key, bridge, pool, external=True), [])
        return NetworkState(cfg.name, bridge, record.subnet, record.gateway)

    def _holders(self, host: Netlink, network: str) -> list[str]:
        """Who is attached: leases and our veths naming this network."""
        holders = {f"{k.container_id}/{k.ifname}" if k else f"{ip} (unreadable lease)" for ip, k in self.ipam.leases(network).items()}
        for link in host.links():
            owned = _veth_key(link, network)
            if owned is not None:
                holders.add(f"{owned[1].container_id}/{owned[1].ifname}")
        return sorted(holders)

    def _remove_bridge(self, host: Netlink, project: str, network: str, bridge: str) -> None:
        firewall.remove(bridge)
        link = host.link(bridge)
        if link is not None and _owns_bridge(link, project, network):
            host.delete_link(bridge)

    def _remove_stray_chains(self, host: Netlink) -> None:
        """nft chains of bridges that no longer exist and no network records (a crash mid-remove)."""
        recorded = {r.bridge for r in self.ipam.subnets()}
        for bridge in (firewall.bridges_with_rules() | forward_accept.bridges_with_rules()) - recorded:
            if host.link(bridge) is None:
                firewall.remove(bridge)

    # --- attachments ---------------------------------------------------------------------

    def add(self, cfg: NetworkConfig, att: Attachment) -> AttachResult:
        bridge, mtu = _validate(cfg)
        _validate_attachment(cfg, att)
        record = self._record(cfg)
        host_if = veth_name(att.key)
        with open_netlink() as host, open_netlink(att.netns_path) as ns, contextlib.ExitStack() as undo:
            bridge_link = host.link(bridge)
            if bridge_link is None:
                raise PluginError(ErrorCode.NETWORK_MISSING, f"network {cfg.name}: bridge {bridge} does not exist",
                                  "create the network before attaching containers")
            address, leased = self.ipam.reserve(att.key, att.ipv4, cfg.project)
            if leased:
                undo.callback(self.ipam.release, att.key)
            fresh = _ensure_veth(host, ns, att, host_if, mtu)
            if fresh:
                undo.callback(host.delete_link, host_if)
            host.configure_link(host_if, alias=veth_alias(cfg.project, att.key), master=bridge_link.index, up=True)
            result = _configure_inside(ns, cfg, att, record, address, fresh)
            undo.pop_all()
        return dataclasses.replace(result, host_ifname=host_if)

    def delete(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult | None) -> None:
        errors: list[Exception] = []
        names = {veth_name(att.key)} | ({prev.host_ifname} if prev and prev.host_ifname else set())
        try:
            with open_netlink() as host:
                for name in sorted(names):
                    link = host.link(name)
                    if link is not None and link.kind == "veth" and _unclaimed_or(link, att.key):
                        host.delete_link(name)
        except PluginError as err:
            errors.append(err)
        try:
            self.ipam.release(att.key)
        except (PluginError, OSError) as err:
            errors.append(err)
        join_errors(att.network, f"delete {att.container_id}/{att.ifname}", errors)

    def check(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult) -> None:
        deadline = time.monotonic() + CHECK_SETTLE_SECONDS
        while True:
            drift = self._drift(cfg, att, prev)
            if not drift or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        if drift:
            raise PluginError(ErrorCode.DRIFT, f"container {att.container_id} on network {cfg.name}: {'; '.join(drift)}",
                              "recreate the container")

    def gc(self, cfg: NetworkConfig, valid_keys: Iterable[AttachmentKey]) -> list[str]:
        """Only cfg.project's attachments are candidates: external networks are shared."""
        valid = set(valid_keys)
        with open_netlink() as host:
            removed = self._delete_veths(host, host.links(), cfg.name, valid, cfg.project)
        freed = self.ipam.release_all_except(cfg.name, valid, cfg.project)
        return removed + [f"lease {ip} ({holder or 'unreadable'})" for ip, holder in freed]

    def _delete_veths(self, host: Netlink, links: list[Link], network: str, valid: set[AttachmentKey],
                      project: str) -> list[str]:
        removed = []
        for link in links:
            found = _veth_key(link, network)
            if found is not None and found[0] == project and found[1] not in valid:
                host.delete_link(link.name)
                removed.append(f"veth {link.name} ({found[1]})")
        return removed

    def _drift(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult) -> list[str]:
        bridge, _ = _validate(cfg)
        drift = []
        leased = [ip for ip, key in self.ipam.leases(cfg.name).items() if key == att.key]
        if [str(ip) for ip in leased] != ([prev.ipv4] if prev.ipv4 else []):
            drift.append(f"IPAM holds {', '.join(map(str, leased)) or 'nothing'}, expected {prev.ipv4}")
        with open_netlink() as host:
            drift += _host_drift(host, bridge, prev.host_ifname or veth_name(att.key))
        try:
            with open_netlink(att.netns_path) as ns:
                drift += _inside_drift(ns, att, prev)
        except PluginError as err:
            drift.append(err.message)
        return drift

    def _record(self, cfg: NetworkConfig) -> SubnetRecord:
        record = self.ipam.subnet(cfg.name)
        if record is None:
            raise PluginError(ErrorCode.NETWORK_MISSING, f"network {cfg.name} does not exist",
                              "create the network before attaching containers")
        return record


# --- steps -------------------------------------------------------------------------------

def bridge_for(cfg: NetworkConfig) -> str:
    """The bridge's Linux name: the external name, driver_opts' name, or the hash name."""
    if cfg.external:
        return cfg.name
    return cfg.driver_opts.get(BRIDGE_NAME_OPT) or bridge_name(cfg.project, cfg.key)


def _validate(cfg: NetworkConfig) -> tuple[str, int | None]:
    unknown = sorted(set(cfg.driver_opts) - set(SUPPORTED_OPTS))
    if unknown:
        raise PluginError(ErrorCode.UNSUPPORTED_FIELD,
                          f"network {cfg.name}: driver_opts {', '.join(unknown)} not supported by the bridge driver",
                          f"supported: {', '.join(SUPPORTED_OPTS)}")
    if len(cfg.ipam) > 1:
        raise PluginError(ErrorCode.UNSUPPORTED_FIELD, f"network {cfg.name}: only one ipam.config entry (IPv4) is supported")
    if not is_plain_name(cfg.name):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network name {cfg.name!r} is not usable on the host",
                          "use letters, digits, '_', '.' and '-'")
    bridge = bridge_for(cfg)
    if not is_valid_ifname(bridge):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network {cfg.name}: {bridge!r} cannot name a bridge",
                          "use at most 15 letters, digits, '_', '.' or '-'")
    return bridge, _mtu(cfg)


def _mtu(cfg: NetworkConfig) -> int | None:
    raw = cfg.mtu if cfg.mtu is not None else cfg.driver_opts.get(MTU_OPT)
    if raw is None:
        return None
    if not str(raw).isdigit() or not 68 <= int(raw) <= 65535:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"network {cfg.name}: mtu {raw!r} is not between 68 and 65535")
    return int(raw)


def _validate_attachment(cfg: NetworkConfig, att: Attachment) -> None:
    if att.network != cfg.name:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"attachment of {att.container_id} names network {att.network}, not {cfg.name}")
    if not is_plain_name(att.container_id) or not is_valid_ifname(att.ifname):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"container {att.container_id!r} interface {att.ifname!r}: unusable name",
                          "container ids are letters, digits, '_', '.', '-'; interface names at most 15 characters")


def _routes_except(host: Netlink, bridge: str) -> list[IPv4Network]:
    """Host routes a new subnet must not overlap, ignoring our own bridge's."""
    own = host.link(bridge)
    return [dst for dst, oif in host.ipv4_routes() if own is None or oif != own.index]


def _ensure_own_bridge(host: Netlink, cfg: NetworkConfig, bridge: str, mtu: int | None) -> bool:
    """Make the bridge, or accept it if it is ours; True if made here."""
    existing = host.link(bridge)
    if existing is not None and not _owns_bridge(existing, cfg.project, cfg.name):
        raise PluginError(ErrorCode.LINK_CONFLICT, f"network {cfg.name}: link {bridge} already exists and belongs to {existing.alias!r}",
                          "remove it, or use external: true to join it")
    return host.ensure_bridge(bridge, mtu)


def _ensure_veth(host: Netlink, ns: Netlink, att: Attachment, host_if: str, mtu: int | None) -> bool:
    """The veth pair host_if <-> att.ifname, made unless ours is there already; True if made."""
    with open_netns_fd(att.netns_path) as netns_fd:
        if host.create_veth_pair(host_if, att.ifname, netns_fd, mtu, att.mac):
            return True
        existing = host.link(host_if)
        if existing is None:
            raise _name_taken(att)
        if not _unclaimed_or(existing, att.key):
            raise PluginError(ErrorCode.LINK_CONFLICT, f"container {att.container_id}: host link {host_if} belongs to {existing.alias!r}")
        inside = ns.link(att.ifname)
        if inside is not None and inside.peer_index == existing.index:
            if att.mac and inside.mac != att.mac.lower():
                raise PluginError(ErrorCode.LINK_CONFLICT,
                                  f"container {att.container_id}: {att.ifname} has MAC {inside.mac}, not {att.mac}",
                                  "remove the container to change its MAC address")
            return False
        host.delete_link(host_if)  # a pair left from an earlier netns of this container
        if not host.create_veth_pair(host_if, att.ifname, netns_fd, mtu, att.mac):
            raise _name_taken(att)
    return True


def _name_taken(att: Attachment) -> PluginError:
    return PluginError(ErrorCode.LINK_CONFLICT, f"container {att.container_id}: its netns already has an interface {att.ifname}",
                       "give each of the container's networks its own interface name")


def _configure_inside(ns: Netlink, cfg: NetworkConfig, att: Attachment, record: SubnetRecord,
                      address: IPv4Interface, fresh: bool) -> AttachResult:
    """Address, up, default route. A fresh link is configured blind (fewer round trips)."""
    inside = ns.link(att.ifname)
    if inside is None:
        raise PluginError(ErrorCode.KERNEL, f"container {att.container_id}: {att.ifname} vanished from {att.netns_path}")
    if fresh:
        ns.add_address(inside.index, att.ifname, address)
    else:
        ns.ensure_address(att.ifname, address)
    ns.configure_link(att.ifname, up=True)
    gateway = IPv4Address(record.gateway)
    routes: tuple[Route, ...] = ()
    if att.primary and not cfg.internal:
        ns.add_default_route(gateway)
        routes = (Route("0.0.0.0/0", str(gateway)),)
    return AttachResult(network=cfg.name, ifname=att.ifname, mac=inside.mac, ipv4=str(address.ip),
                        prefixlen=address.network.prefixlen, gateway=str(gateway), routes=routes)


def _host_drift(host: Netlink, bridge: str, host_if: str) -> list[str]:
    bridge_link = host.link(bridge)
    if bridge_link is None:
        return [f"bridge {bridge} is missing"]
    link = host.link(host_if)
    if link is None:
        return [f"host veth {host_if} is missing"]
    drift = [] if link.up else [f"host veth {host_if} is down"]
    if link.master != bridge_link.index:
        drift.append(f"host veth {host_if} is not on bridge {bridge}")
    return drift


def _inside_drift(ns: Netlink, att: Attachment, prev: AttachResult) -> list[str]:
    inside = ns.link(att.ifname)
    if inside is None:
        return [f"{att.ifname} is missing in {att.netns_path}"]
    drift = [] if inside.up else [f"{att.ifname} is down"]
    if prev.mac and inside.mac != prev.mac:
        drift.append(f"{att.ifname} has MAC {inside.mac}, expected {prev.mac}")
    wanted = IPv4Interface(f"{prev.ipv4}/{prev.prefixlen}") if prev.ipv4 else None
    if wanted is not None and wanted not in ns.addresses(att.ifname):
        drift.append(f"{att.ifname} lacks {wanted}")
    for route in prev.routes:
        if route.dst == "0.0.0.0/0" and str(ns.default_gateway()) != route.gateway:
            drift.append(f"default route is via {ns.default_gateway()}, expected {route.gateway}")
    return drift


def _veth_key(link: Link, network: str) -> tuple[str, AttachmentKey] | None:
    """(project, key) from a veth's alias when it says the veth is ours on `network`."""
    found = key_of_alias(link.alias) if link.kind == "veth" else None
    return found if found is not None and found[1].network == network else None


def _owns_bridge(link: Link, project: str, network: str) -> bool:
    """Ours: its alias names this network, or it has no alias yet and the name is our hash
    name (a crash between create and configure). Never a bridge someone else named."""
    if link.alias:
        return link.alias == bridge_alias(project, network)
    return link.kind == "bridge" and link.name.startswith(BRIDGE_PREFIX) and len(link.name) == len(BRIDGE_PREFIX) + 10


def _unclaimed_or(link: Link, key: AttachmentKey) -> bool:
    """Ours to reuse or delete: no alias yet (a crash between create and configure) or key's."""
    found = key_of_alias(link.alias)
    return not link.alias or (found is not None and found[1] == key)
