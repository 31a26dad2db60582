"""The same requests as rtnl.RtnlSocket, made with pyroute2's IPRoute (COMPOSER_NETLINK=pyroute2).

Kept as the reference implementation: the tests run the netlink verbs on both backends, and
a user who meets a kernel our small codec mishandles can switch without a new release.
pyroute2's errors become rtnl.NetlinkError, so callers see one kind of error.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Interface
from typing import Any

from .rtnl import AF_INET, IFF_UP, Link, NetlinkError, RouteEntry, VethPeer


@contextlib.contextmanager
def _kernel_errors() -> Iterator[None]:
    from pyroute2.netlink.exceptions import NetlinkError as Pyroute2Error

    try:
        yield
    except Pyroute2Error as err:
        raise NetlinkError(err.code, str(err)) from None


class Pyroute2Socket:
    def __init__(self, sock: socket.socket | None = None) -> None:
        from pyroute2 import IPRoute

        self._sock = sock
        self._ipr = IPRoute(use_socket=sock) if sock is not None else IPRoute()

    def close(self) -> None:
        self._ipr.close()
        if self._sock is not None:
            self._sock.close()  # pyroute2 leaves a socket it was given open

    def get_link(self, name: str) -> Link:
        with _kernel_errors():
            return _to_link(self._ipr.link("get", ifname=name)[0])

    def dump_links(self) -> list[Link]:
        with _kernel_errors():
            return [_to_link(msg) for msg in self._ipr.link("dump")]

    def add_bridge(self, name: str, mtu: int | None) -> None:
        with _kernel_errors():
            self._ipr.link("add", ifname=name, kind="bridge", **({"mtu": mtu} if mtu else {}))

    def add_veth(self, name: str, mtu: int | None, peer: VethPeer) -> None:
        spec: dict[str, Any] = {"ifname": peer.name, "net_ns_fd": peer.netns_fd}
        if peer.mtu:
            spec["mtu"] = peer.mtu
        if peer.mac:
            spec["address"] = peer.mac
        with _kernel_errors():
            self._ipr.link("add", ifname=name, kind="veth", peer=spec, **({"mtu": mtu} if mtu else {}))

    def set_link(self, name: str, *, alias: str | None = None, master: int | None = None,
                 up: bool | None = None, mtu: int | None = None) -> None:
        attrs: dict[str, Any] = {}
        if alias is not None:
            attrs["ifalias"] = alias
        if master is not None:
            attrs["master"] = master
        if up is not None:
            attrs["state"] = "up" if up else "down"
        if mtu:
            attrs["mtu"] = mtu
        with _kernel_errors():
            self._ipr.link("set", ifname=name, **attrs)

    def delete_link(self, name: str) -> None:
        with _kernel_errors():
            self._ipr.link("del", ifname=name)

    def dump_addresses(self, index: int) -> list[IPv4Interface]:
        with _kernel_errors():
            msgs = self._ipr.addr("dump", index=index, family=AF_INET)
        return [IPv4Interface(f"{m.get('address')}/{m['prefixlen']}") for m in msgs]

    def add_address(self, index: int, address: IPv4Interface) -> None:
        with _kernel_errors():
            self._ipr.addr("add", index=index, address=str(address.ip), prefixlen=address.network.prefixlen)

    def dump_routes(self) -> list[RouteEntry]:
        with _kernel_errors():
            msgs = self._ipr.route("dump", family=AF_INET)
        return [RouteEntry(dst=IPv4Address(m.get("dst")) if m.get("dst") else None, dst_len=m["dst_len"],
                           gateway=IPv4Address(m.get("gateway")) if m.get("gateway") else None,
                           oif=m.get("oif"), table=m.get("table"), type=m["type"]) for m in msgs]

    def add_default_route(self, gateway: IPv4Address) -> None:
        with _kernel_errors():
            self._ipr.route("add", dst="0.0.0.0/0", gateway=str(gateway))


def _to_link(msg: Any) -> Link:
    return Link(index=msg["index"], name=msg.get("ifname"), kind=msg.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND"),
                master=msg.get("master"), up=bool(msg["flags"] & IFF_UP), mac=msg.get("address"), mtu=msg.get("mtu"),
                alias=msg.get("ifalias"), peer_index=msg.get("link"))
