"""The one adapter around pyroute2: domain verbs on one netlink socket, errnos mapped here.

    with open_netlink() as host:                      # the host netns
        host.ensure_bridge("cb-0123456789", mtu=None)
    with open_netlink("/run/netns/web-1") as ns:      # a container's netns (never created here)
        ns.ensure_address("eth0", IPv4Interface("10.213.0.2/24"))

One socket per operation inside a netns, reused for all its steps; one per thread for the
host (kept). A socket inside a netns is made by a
throwaway thread that enters it (nsthread.py: no fork, ~1 ms); a missing netns is an
error, never created here. pyroute2 is imported on first use (it costs ~0.3 s).
Missing things are results (None, False), not errors; other kernel errors become
PluginError naming the interface and the namespace.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any, Callable, Iterator, NoReturn

from .api import ErrorCode, PluginError

IFF_UP = 0x1
MAIN_TABLE, LOCAL_TABLE = 254, 255
RTN_UNICAST = 1
MISSING = (errno.ENODEV, errno.ENOENT, errno.EADDRNOTAVAIL, errno.ESRCH)


@dataclass(frozen=True)
class Link:
    index: int
    name: str
    kind: str | None
    master: int | None
    up: bool
    mac: str | None
    mtu: int | None
    alias: str | None
    peer_index: int | None  # a veth's other end (its index in the peer's netns)


def _netlink_errno(err: BaseException) -> int | None:
    from pyroute2.netlink.exceptions import NetlinkError

    return err.code if isinstance(err, NetlinkError) else None


@contextlib.contextmanager
def open_netlink(netns_path: str | None = None, create: bool = False) -> Iterator[Netlink]:
    """A netlink session in the host netns, or in the existing netns at netns_path.

    create=True makes the netns at netns_path (bind mount, as `ip netns add`) in the same
    throwaway thread that opens the socket; it must not exist yet.
    """
    from pyroute2 import IPRoute

    from .nsthread import create_netns, netlink_socket_in

    if not netns_path:
        with _host_netlink() as host:
            yield host
        return
    where = f"netns {netns_path}"
    try:
        ipr = IPRoute(use_socket=create_netns(netns_path) if create else netlink_socket_in(netns_path))
    except FileNotFoundError:
        raise PluginError(ErrorCode.UNKNOWN_CONTAINER, f"network namespace {netns_path} does not exist",
                          "the container is gone; remove it and start it again") from None
    except OSError as err:
        if create and err.errno == errno.EEXIST:
            raise PluginError(ErrorCode.TRY_AGAIN_LATER, f"network namespace {netns_path} exists already") from None
        raise PluginError(ErrorCode.KERNEL, f"cannot open netlink in {where}: {err.strerror or err}") from None
    try:
        with ipr:
            yield Netlink(ipr, where)
    finally:
        ipr.use_socket.close()  # pyroute2 leaves a socket it was given open


_per_thread = threading.local()


@contextlib.contextmanager
def _host_netlink() -> Iterator[Netlink]:
    """The calling thread's host socket, kept between operations: making a pyroute2 IPRoute
    (an asyncio loop and a socket) cost more than most operations done with it. A socket
    that saw an error is closed and made anew next time."""
    from pyroute2 import IPRoute

    host = getattr(_per_thread, "host", None)
    if host is None:
        try:
            host = _per_thread.host = Netlink(IPRoute(), "host")
        except OSError as err:
            raise PluginError(ErrorCode.KERNEL, f"cannot open netlink in host: {err.strerror or err}") from None
    try:
        yield host
    except BaseException:
        _per_thread.host = None
        host._ipr.close()
        raise


@contextlib.contextmanager
def open_netns_fd(netns_path: str) -> Iterator[int]:
    """An fd of the netns, to create a veth end directly inside it."""
    try:
        fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise PluginError(ErrorCode.UNKNOWN_CONTAINER, f"network namespace {netns_path} does not exist",
                          "the container is gone; remove it and start it again") from None
    try:
        yield fd
    finally:
        os.close(fd)


class Netlink:
    """Domain verbs on one IPRoute socket (`where` names its namespace in errors)."""

    def __init__(self, ipr: Any, where: str) -> None:
        self._ipr = ipr
        self.where = where

    def _call(self, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Exception as err:
            self._fail(what, err)

    def _fail(self, what: str, err: Exception) -> NoReturn:
        code = _netlink_errno(err)
        if code is None:
            raise err
        hint = {errno.EBUSY: "try again in a moment", errno.EPERM: "run as root",
                errno.EOPNOTSUPP: "the kernel lacks this feature"}.get(code, "")
        kind = ErrorCode.TRY_AGAIN_LATER if code == errno.EBUSY else ErrorCode.KERNEL
        raise PluginError(kind, f"{what} in {self.where}: {os.strerror(code)}", hint, details=repr(err)) from None

    # --- links ---------------------------------------------------------------------------

    def link(self, name: str) -> Link | None:
        try:
            return _to_link(self._ipr.link("get", ifname=name)[0])
        except Exception as err:
            if _netlink_errno(err) in MISSING:
                return None
            self._fail(f"reading link {name}", err)

    def links(self) -> list[Link]:
        return [_to_link(msg) for msg in self._call("listing links", self._ipr.link, "dump")]

    def ensure_bridge(self, name: str, mtu: int | None) -> bool:
        """Make the bridge if missing; True if made. A non-bridge of that name is an error."""
        existing = self.link(name)
        if existing is None:
            extra = {"mtu": mtu} if mtu else {}
            try:
                self._ipr.link("add", ifname=name, kind="bridge", **extra)
                return True
            except Exception as err:
                if _netlink_errno(err) != errno.EEXIST:
                    self._fail(f"creating bridge {name}", err)
                existing = self.link(name)  # made concurrently by another process
        if existing is None or existing.kind != "bridge":
            raise PluginError(ErrorCode.LINK_CONFLICT, f"{name} in {self.where} exists but is not a bridge",
                              "remove it or rename the network")
        return False

    def create_veth_pair(self, host: str, peer: str, netns_fd: int, mtu: int | None, mac: str | None) -> bool:
        """Make host<->peer, the peer created directly inside the netns under its final name.

        False when a link of either name exists already (the host one here, or the peer's
        name in the netns): the caller finds out which.
        """
        peer_spec: dict[str, Any] = {"ifname": peer, "net_ns_fd": netns_fd}
        extra: dict[str, Any] = {}
        if mtu:
            peer_spec["mtu"] = extra["mtu"] = mtu
        if mac:
            peer_spec["address"] = mac
        try:
            self._ipr.link("add", ifname=host, kind="veth", peer=peer_spec, **extra)
            return True
        except Exception as err:
            if _netlink_errno(err) == errno.EEXIST:
                return False
            self._fail(f"creating veth {host} (peer {peer})", err)

    def configure_link(self, name: str, *, alias: str | None = None, master: int | None = None,
                       up: bool | None = None, mtu: int | None = None) -> None:
        """Set the given attributes in one request."""
        attrs: dict[str, Any] = {}
        if alias is not None:
            attrs["ifalias"] = alias
        if master is not None:
            attrs["master"] = master
        if up is not None:
            attrs["state"] = "up" if up else "down"
        if mtu:
            attrs["mtu"] = mtu
        self._call(f"configuring {name}", self._ipr.link, "set", ifname=name, **attrs)

    def delete_link(self, name: str, missing_ok: bool = True) -> bool:
        """Delete the link (a veth takes its peer with it); True if it existed."""
        try:
            self._ipr.link("del", ifname=name)
            return True
        except Exception as err:
            if _netlink_errno(err) in MISSING and missing_ok:
                return False
            self._fail(f"deleting {name}", err)

    # --- addresses and routes ------------------------------------------------------------

    def addresses(self, name: str) -> list[IPv4Interface]:
        link = self.link(name)
        if link is None:
            return []
        msgs = self._call(f"reading addresses of {name}", self._ipr.addr, "dump", index=link.index, family=2)
        return [IPv4Interface(f"{m.get('address')}/{m['prefixlen']}") for m in msgs]

    def ensure_address(self, name: str, address: IPv4Interface) -> bool:
        """Give the link this address; True if added. Another IPv4 address there is an error."""
        present = self.addresses(name)
        if address in present:
            return False
        if present:
            raise PluginError(ErrorCode.LINK_CONFLICT,
                              f"{name} in {self.where} has {', '.join(map(str, present))}, expected {address}",
                              "remove the stale network with `compose down`")
        self.add_address(self._index(name), name, address)
        return True

    def add_address(self, index: int, name: str, address: IPv4Interface) -> None:
        """Add without looking first (for a link made a moment ago); present already is fine."""
        try:
            self._ipr.addr("add", index=index, address=str(address.ip), prefixlen=address.network.prefixlen)
        except Exception as err:
            if _netlink_errno(err) != errno.EEXIST:
                self._fail(f"adding {address} to {name}", err)

    def default_gateway(self) -> IPv4Address | None:
        for route in self._call("reading routes", self._ipr.route, "dump", family=2, table=MAIN_TABLE):
            if route["dst_len"] == 0 and route.get("gateway"):
                return IPv4Address(route.get("gateway"))
        return None

    def add_default_route(self, gateway: IPv4Address) -> bool:
        """Route everything via gateway; True if added. A different default is an error."""
        try:
            self._ipr.route("add", dst="0.0.0.0/0", gateway=str(gateway))
            return True
        except Exception as err:
            if _netlink_errno(err) != errno.EEXIST:
                self._fail(f"adding default route via {gateway}", err)
        current = self.default_gateway()
        if current != gateway:
            raise PluginError(ErrorCode.LINK_CONFLICT, f"{self.where} already routes by default via {current}, not {gateway}",
                              "mark only one of the container's networks as primary")
        return False

    def ipv4_routes(self) -> list[tuple[IPv4Network, int | None]]:
        """(destination, output link index) of every non-local IPv4 route except defaults."""
        out = []
        for route in self._call("reading routes", self._ipr.route, "dump", family=2):
            table = route.get("table")
            if route["dst_len"] == 0 or table == LOCAL_TABLE or route["type"] != RTN_UNICAST:
                continue
            dst = IPv4Network(f"{route.get('dst')}/{route['dst_len']}", strict=False)
            out.append((dst, route.get("oif")))
        return out

    def _index(self, name: str) -> int:
        link = self.link(name)
        if link is None:
            raise PluginError(ErrorCode.KERNEL, f"{name} disappeared from {self.where}")
        return link.index


def _to_link(msg: Any) -> Link:
    return Link(
        index=msg["index"],
        name=msg.get("ifname"),
        kind=msg.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND"),
        master=msg.get("master"),
        up=bool(msg["flags"] & IFF_UP),
        mac=msg.get("address"),
        mtu=msg.get("mtu"),
        alias=msg.get("ifalias"),
        peer_index=msg.get("link"),
    )
