"""Domain verbs on one rtnetlink socket, errnos mapped here.

    with open_netlink() as host:                      # the host netns
        host.ensure_bridge("cb-0123456789", mtu=None)
    with open_netlink("/run/netns/web-1") as ns:      # a container's netns (never created here)
        ns.ensure_address("eth0", IPv4Interface("10.213.0.2/24"))

The requests go through rtnl.RtnlSocket (our small synchronous codec), or pyroute2's
IPRoute when COMPOSER_NETLINK=pyroute2 (rtnl_pyroute2.py); both answer the same calls.
One socket per operation inside a netns, reused for all its steps; one per thread for the
host (kept). A socket inside a netns is made by a throwaway thread that enters it
(nsthread.py: no fork, ~1 ms); a missing netns is an error, never created here.
Missing things are results (None, False), not errors; other kernel errors become
PluginError naming the interface and the namespace.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import threading
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any, Callable, Iterator, NoReturn

from .api import ErrorCode, PluginError
from .rtnl import LOCAL_TABLE, MAIN_TABLE, RTN_UNICAST, Link, NetlinkError, RtnlSocket, VethPeer

__all__ = ["Link", "Netlink", "open_netlink", "open_netns_fd"]

MISSING = (errno.ENODEV, errno.ENOENT, errno.EADDRNOTAVAIL, errno.ESRCH)
BACKEND_ENV = "COMPOSER_NETLINK"


def _rtnl_socket(sock: socket.socket | None = None) -> Any:
    """A request socket of the chosen backend (given an open netlink socket, or a new host one)."""
    if os.environ.get(BACKEND_ENV, "") == "pyroute2":
        from .rtnl_pyroute2 import Pyroute2Socket

        return Pyroute2Socket(sock)
    return RtnlSocket(sock)


@contextlib.contextmanager
def open_netlink(netns_path: str | None = None, create: bool = False) -> Iterator[Netlink]:
    """A netlink session in the host netns, or in the existing netns at netns_path.

    create=True makes the netns at netns_path (bind mount, as `ip netns add`) in the same
    throwaway thread that opens the socket; it must not exist yet.
    """
    from .nsthread import create_netns, netlink_socket_in

    if not netns_path:
        with _host_netlink() as host:
            yield host
        return
    where = f"netns {netns_path}"
    try:
        sock = create_netns(netns_path) if create else netlink_socket_in(netns_path)
    except FileNotFoundError:
        raise PluginError(ErrorCode.UNKNOWN_CONTAINER, f"network namespace {netns_path} does not exist",
                          "the container is gone; remove it and start it again") from None
    except OSError as err:
        if create and err.errno == errno.EEXIST:
            raise PluginError(ErrorCode.TRY_AGAIN_LATER, f"network namespace {netns_path} exists already") from None
        raise PluginError(ErrorCode.KERNEL, f"cannot open netlink in {where}: {err.strerror or err}") from None
    requests = _rtnl_socket(sock)
    try:
        yield Netlink(requests, where)
    finally:
        requests.close()


_per_thread = threading.local()


@contextlib.contextmanager
def _host_netlink() -> Iterator[Netlink]:
    """The calling thread's host socket, kept between operations. A socket that saw an
    error is closed and made anew next time (it may hold a half-read answer)."""
    host = getattr(_per_thread, "host", None)
    if host is None:
        try:
            host = _per_thread.host = Netlink(_rtnl_socket(), "host")
        except OSError as err:
            raise PluginError(ErrorCode.KERNEL, f"cannot open netlink in host: {err.strerror or err}") from None
    try:
        yield host
    except BaseException:
        _per_thread.host = None
        host._rtnl.close()
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
    """Domain verbs on one request socket (`where` names its namespace in errors)."""

    def __init__(self, rtnl: Any, where: str) -> None:
        self._rtnl = rtnl
        self.where = where

    def _call(self, what: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except NetlinkError as err:
            self._fail(what, err)

    def _fail(self, what: str, err: NetlinkError) -> NoReturn:
        code = err.errno
        hint = {errno.EBUSY: "try again in a moment", errno.EPERM: "run as root",
                errno.EOPNOTSUPP: "the kernel lacks this feature"}.get(code, "")
        kind = ErrorCode.TRY_AGAIN_LATER if code == errno.EBUSY else ErrorCode.KERNEL
        raise PluginError(kind, f"{what} in {self.where}: {os.strerror(code)}", hint, details=repr(err)) from None

    # --- links ---------------------------------------------------------------------------

    def link(self, name: str) -> Link | None:
        try:
            return self._rtnl.get_link(name)
        except NetlinkError as err:
            if err.errno in MISSING:
                return None
            self._fail(f"reading link {name}", err)

    def links(self) -> list[Link]:
        return self._call("listing links", self._rtnl.dump_links)

    def ensure_bridge(self, name: str, mtu: int | None) -> bool:
        """Make the bridge if missing; True if made. A non-bridge of that name is an error."""
        existing = self.link(name)
        if existing is None:
            try:
                self._rtnl.add_bridge(name, mtu)
                return True
            except NetlinkError as err:
                if err.errno != errno.EEXIST:
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
        try:
            self._rtnl.add_veth(host, mtu, VethPeer(peer, netns_fd, mtu, mac))
            return True
        except NetlinkError as err:
            if err.errno == errno.EEXIST:
                return False
            self._fail(f"creating veth {host} (peer {peer})", err)

    def configure_link(self, name: str, *, alias: str | None = None, master: int | None = None,
                       up: bool | None = None, mtu: int | None = None) -> None:
        """Set the given attributes in one request."""
        self._call(f"configuring {name}", self._rtnl.set_link, name, alias=alias, master=master, up=up, mtu=mtu)

    def delete_link(self, name: str, missing_ok: bool = True) -> bool:
        """Delete the link (a veth takes its peer with it); True if it existed."""
        try:
            self._rtnl.delete_link(name)
            return True
        except NetlinkError as err:
            if err.errno in MISSING and missing_ok:
                return False
            self._fail(f"deleting {name}", err)

    # --- addresses and routes ------------------------------------------------------------

    def addresses(self, name: str) -> list[IPv4Interface]:
        link = self.link(name)
        if link is None:
            return []
        return self._call(f"reading addresses of {name}", self._rtnl.dump_addresses, link.index)

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
            self._rtnl.add_address(index, address)
        except NetlinkError as err:
            if err.errno != errno.EEXIST:
                self._fail(f"adding {address} to {name}", err)

    def default_gateway(self) -> IPv4Address | None:
        for route in self._call("reading routes", self._rtnl.dump_routes):
            if route.table == MAIN_TABLE and route.dst_len == 0 and route.gateway:
                return route.gateway
        return None

    def add_default_route(self, gateway: IPv4Address) -> bool:
        """Route everything via gateway; True if added. A different default is an error."""
        try:
            self._rtnl.add_default_route(gateway)
            return True
        except NetlinkError as err:
            if err.errno != errno.EEXIST:
                self._fail(f"adding default route via {gateway}", err)
        current = self.default_gateway()
        if current != gateway:
            raise PluginError(ErrorCode.LINK_CONFLICT, f"{self.where} already routes by default via {current}, not {gateway}",
                              "mark only one of the container's networks as primary")
        return False

    def ipv4_routes(self) -> list[tuple[IPv4Network, int | None]]:
        """(destination, output link index) of every non-local IPv4 route except defaults."""
        out = []
        for route in self._call("reading routes", self._rtnl.dump_routes):
            if route.dst_len == 0 or route.table == LOCAL_TABLE or route.type != RTN_UNICAST:
                continue
            out.append((IPv4Network((route.dst, route.dst_len), strict=False), route.oif))
        return out

    def _index(self, name: str) -> int:
        link = self.link(name)
        if link is None:
            raise PluginError(ErrorCode.KERNEL, f"{name} disappeared from {self.where}")
        return link.index
