"""The network plugin contract: CNI's verbs and semantics, called in-process.

A plugin is chosen by the network's `driver:` (see registry.py). Every verb is
idempotent and safe after a crash:

    ensure_network(cfg)         create or verify the network (bridge, subnet, firewall)
    remove_network(cfg)         remove it; refuses, naming them, while attachments remain;
                                succeeds when it is already gone
    add(cfg, att)               plug a container's netns into the network → AttachResult;
                                same key and spec → same result; different spec → PluginError;
                                on failure undoes its own steps
    delete(cfg, att, prev)      release everything held under att.key, IPAM included, even
                                when the netns is gone; never fails because something is
                                missing; a second call is a no-op
    check(cfg, att, prev)       raise PluginError(DRIFT) listing what differs from `prev`
    gc(cfg, valid_keys)         remove every attachment the plugin holds on cfg's network
                                whose key is not in valid_keys (recovery after kill -9)
    gc_networks(project, keep)  remove the project's networks whose names are not in keep

Linux names are derived from keys (names.py), so delete and gc need no record.
Nothing here imports pyroute2: importing netplugins stays cheap.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, NamedTuple, Protocol

from .errors import NetworkError


class ErrorCode(enum.IntEnum):
    """CNI's well-known codes below 100; ours from 100 up."""

    UNSUPPORTED_FIELD = 2
    UNKNOWN_CONTAINER = 3  # the netns is missing
    IO_FAILURE = 5
    INVALID_CONFIG = 7
    TRY_AGAIN_LATER = 11
    ADDRESS_EXHAUSTED = 100
    ADDRESS_IN_USE = 101
    ADDRESS_OUT_OF_RANGE = 102
    SUBNET_OVERLAP = 103
    POOL_EXHAUSTED = 104
    LINK_CONFLICT = 105  # a link with our name exists but is not ours / not what we expect
    NETWORK_IN_USE = 106
    NETWORK_MISSING = 107
    DRIFT = 108
    UNKNOWN_DRIVER = 109
    FIREWALL = 110
    KERNEL = 111  # netlink said no for a reason we do not map


class PluginError(NetworkError):
    """A network verb failed. `msg` names the network/interface; `details` is for --debug."""

    def __init__(self, code: ErrorCode, message: str, hint: str = "", details: str = "") -> None:
        super().__init__(message, hint)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class IpamPool:
    """One `ipam.config` entry. Only IPv4 is supported for now."""

    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None


@dataclass(frozen=True)
class NetworkConfig:
    """What a network should be.

    `name` is its host-wide name (`<project>_<key>`, or the real name when external);
    `key` is the name in the compose file. For `external: true` bridge networks, `name`
    is the existing bridge to join.
    """

    name: str
    project: str
    key: str
    driver: str = "bridge"
    ipam: tuple[IpamPool, ...] = ()
    internal: bool = False
    external: bool = False
    mtu: int | None = None
    driver_opts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


class AttachmentKey(NamedTuple):
    network: str  # NetworkConfig.name
    container_id: str
    ifname: str

    def __str__(self) -> str:
        return f"{self.network}/{self.container_id}/{self.ifname}"


@dataclass(frozen=True)
class Attachment:
    """One container interface on one network.

    `primary` marks the network that carries the container's default route (one per
    container); `ipv4` and `mac` are requested values (None = choose).
    """

    container_id: str
    netns_path: str
    ifname: str
    network: str
    aliases: tuple[str, ...] = ()
    ipv4: str | None = None
    mac: str | None = None
    primary: bool = True

    @property
    def key(self) -> AttachmentKey:
        return AttachmentKey(self.network, self.container_id, self.ifname)


@dataclass(frozen=True)
class Route:
    dst: str  # "0.0.0.0/0" for the default route
    gateway: str | None = None


@dataclass(frozen=True)
class AttachResult:
    """What `add` did; the caller stores it (to_dict) and hands it back to delete/check."""

    network: str
    ifname: str  # inside the container ("" when the plugin makes no interface)
    host_ifname: str | None = None
    mac: str | None = None
    ipv4: str | None = None  # address only
    prefixlen: int | None = None
    gateway: str | None = None
    routes: tuple[Route, ...] = ()
    nameservers: tuple[str, ...] = ()  # DNS hints; empty until name resolution exists
    search: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttachResult:
        values = dict(data)
        values["routes"] = tuple(Route(**route) for route in values.get("routes", ()))
        values["nameservers"] = tuple(values.get("nameservers", ()))
        values["search"] = tuple(values.get("search", ()))
        return cls(**values)


@dataclass(frozen=True)
class NetworkState:
    """What ensure_network made or found."""

    name: str
    bridge: str | None = None
    subnet: str | None = None
    gateway: str | None = None


class NetworkPlugin(Protocol):
    def ensure_network(self, cfg: NetworkConfig) -> NetworkState: ...

    def remove_network(self, cfg: NetworkConfig) -> None: ...

    def add(self, cfg: NetworkConfig, att: Attachment) -> AttachResult: ...

    def delete(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult | None) -> None: ...

    def check(self, cfg: NetworkConfig, att: Attachment, prev: AttachResult) -> None: ...

    def gc(self, cfg: NetworkConfig, valid_keys: Iterable[AttachmentKey]) -> list[str]:
        """Returns a description of each thing removed."""

    def gc_networks(self, project: str, keep: Iterable[str]) -> list[str]:
        """Removes the project's networks (by name) not in keep; returns their names."""


def join_errors(network: str, verb: str, errors: list[Exception]) -> None:
    """Raise one PluginError for all the errors a best-effort verb collected."""
    if not errors:
        return
    codes = [e.code for e in errors if isinstance(e, PluginError)]
    text = "; ".join(getattr(e, "message", str(e)) for e in errors)
    raise PluginError(codes[0] if codes else ErrorCode.IO_FAILURE, f"network {network}: {verb}: {text}")
