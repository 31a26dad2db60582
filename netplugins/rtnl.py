"""A small synchronous rtnetlink client: the messages composer sends, packed with struct.

Why not pyroute2 on this path: its 0.9 synchronous API runs an asyncio loop per socket and
per request, and its import loads the whole package (~0.15-0.3 s). `up` of 10 containers
made ~100 such requests and spent more CPU in that machinery than in the kernel. Here a
request is one sendto and one or two recvs (~30 µs). pyroute2 remains the other backend
(rtnl_pyroute2.py, COMPOSER_NETLINK=pyroute2) and the independent check in the tests.

Only what netlink.py needs: links (get by name, dump, bridge and veth create, set, delete),
IPv4 addresses (dump, add) and IPv4 routes (dump, add a default). Kernel errors come back
as NetlinkError, an OSError with the kernel's errno.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface

AF_INET = socket.AF_INET
_HEADER = struct.Struct("=IHHII")  # nlmsghdr: length, type, flags, seq, port id
_ATTR = struct.Struct("=HH")  # rtattr: length, type
_IFINFO = struct.Struct("=BxHiII")  # ifinfomsg: family, type, index, flags, change
_IFADDR = struct.Struct("=BBBBI")  # ifaddrmsg: family, prefixlen, flags, scope, index
_RTMSG = struct.Struct("=BBBBBBBBI")  # rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags
_ERROR = struct.Struct("=i")

NLMSG_ERROR, NLMSG_DONE = 2, 3
F_REQUEST, F_ACK, F_DUMP, F_EXCL, F_CREATE = 0x1, 0x4, 0x300, 0x200, 0x400
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_GETADDR = 20, 22
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_MASTER = 1, 3, 4, 5, 10
IFLA_LINKINFO, IFLA_IFALIAS, IFLA_NET_NS_FD = 18, 20, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFA_ADDRESS, IFA_LOCAL = 1, 2
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_TABLE = 1, 4, 5, 15
IFF_UP = 0x1
MAIN_TABLE, LOCAL_TABLE = 254, 255
RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST = 3, 0, 1
_NLA_TYPE_MASK = 0x3FFF  # strips NLA_F_NESTED / NLA_F_NET_BYTEORDER
_RECV_SIZE = 1 << 18


class NetlinkError(OSError):
    """The kernel refused a request (errno as the kernel gave it)."""


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


@dataclass(frozen=True)
class RouteEntry:
    dst: IPv4Address | None  # None: the default route
    dst_len: int
    gateway: IPv4Address | None
    oif: int | None
    table: int
    type: int


@dataclass(frozen=True)
class VethPeer:
    name: str
    netns_fd: int
    mtu: int | None = None
    mac: str | None = None


class RtnlSocket:
    """Requests on one NETLINK_ROUTE socket, answered in order (one request at a time)."""

    def __init__(self, sock: socket.socket | None = None) -> None:
        self._sock = sock if sock is not None else socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, 0)
        self._seq = 0

    def close(self) -> None:
        self._sock.close()

    # --- links ---------------------------------------------------------------------------

    def get_link(self, name: str) -> Link:
        body = _IFINFO.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _cstr(name))
        return _parse_link(next(iter(self._request(RTM_GETLINK, 0, body))))

    def dump_links(self) -> list[Link]:
        return [_parse_link(payload) for payload in self._request(RTM_GETLINK, F_DUMP, _IFINFO.pack(0, 0, 0, 0, 0))]

    def add_bridge(self, name: str, mtu: int | None) -> None:
        attrs = _attr(IFLA_IFNAME, _cstr(name)) + _mtu_attr(mtu) + _attr(IFLA_LINKINFO, _attr(IFLA_INFO_KIND, b"bridge"))
        self._request(RTM_NEWLINK, F_CREATE | F_EXCL, _IFINFO.pack(0, 0, 0, 0, 0) + attrs)

    def add_veth(self, name: str, mtu: int | None, peer: VethPeer) -> None:
        """name in this netns, the peer made directly in peer.netns_fd under its own name."""
        peer_msg = (_IFINFO.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _cstr(peer.name)) + _mtu_attr(peer.mtu)
                    + _attr(IFLA_NET_NS_FD, struct.pack("=I", peer.netns_fd))
                    + (_attr(IFLA_ADDRESS, _mac_bytes(peer.mac)) if peer.mac else b""))
        info = _attr(IFLA_INFO_KIND, b"veth") + _attr(IFLA_INFO_DATA, _attr(VETH_INFO_PEER, peer_msg))
        attrs = _attr(IFLA_IFNAME, _cstr(name)) + _mtu_attr(mtu) + _attr(IFLA_LINKINFO, info)
        self._request(RTM_NEWLINK, F_CREATE | F_EXCL, _IFINFO.pack(0, 0, 0, 0, 0) + attrs)

    def set_link(self, name: str, *, alias: str | None = None, master: int | None = None,
                 up: bool | None = None, mtu: int | None = None) -> None:
        flags, change = (0, 0) if up is None else (IFF_UP if up else 0, IFF_UP)
        attrs = _attr(IFLA_IFNAME, _cstr(name)) + _mtu_attr(mtu)
        if alias is not None:
            attrs += _attr(IFLA_IFALIAS, alias.encode())
        if master is not None:
            attrs += _attr(IFLA_MASTER, struct.pack("=I", master))
        self._request(RTM_NEWLINK, 0, _IFINFO.pack(0, 0, 0, flags, change) + attrs)

    def delete_link(self, name: str) -> None:
        self._request(RTM_DELLINK, 0, _IFINFO.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _cstr(name)))

    # --- addresses and routes ------------------------------------------------------------

    def dump_addresses(self, index: int) -> list[IPv4Interface]:
        found = []
        for payload in self._request(RTM_GETADDR, F_DUMP, _IFADDR.pack(AF_INET, 0, 0, 0, 0)):
            family, prefixlen, _, _, link_index = _IFADDR.unpack_from(payload)
            attrs = _attrs(payload, _IFADDR.size)
            address = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if family == AF_INET and link_index == index and address:
                found.append(IPv4Interface((IPv4Address(address), prefixlen)))
        return found

    def add_address(self, index: int, address: IPv4Interface) -> None:
        packed = address.ip.packed
        body = _IFADDR.pack(AF_INET, address.network.prefixlen, 0, RT_SCOPE_UNIVERSE, index)
        self._request(RTM_NEWADDR, F_CREATE | F_EXCL, body + _attr(IFA_LOCAL, packed) + _attr(IFA_ADDRESS, packed))

    def dump_routes(self) -> list[RouteEntry]:
        routes = []
        for payload in self._request(RTM_GETROUTE, F_DUMP, _RTMSG.pack(AF_INET, 0, 0, 0, 0, 0, 0, 0, 0)):
            family, dst_len, _, _, table, _, _, kind, _ = _RTMSG.unpack_from(payload)
            if family != AF_INET:
                continue
            attrs = _attrs(payload, _RTMSG.size)
            routes.append(RouteEntry(
                dst=IPv4Address(attrs[RTA_DST]) if RTA_DST in attrs else None, dst_len=dst_len,
                gateway=IPv4Address(attrs[RTA_GATEWAY]) if RTA_GATEWAY in attrs else None,
                oif=_u32(attrs, RTA_OIF), table=_u32(attrs, RTA_TABLE) or table, type=kind))
        return routes

    def add_default_route(self, gateway: IPv4Address) -> None:
        body = _RTMSG.pack(AF_INET, 0, 0, 0, MAIN_TABLE, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0)
        self._request(RTM_NEWROUTE, F_CREATE | F_EXCL, body + _attr(RTA_GATEWAY, gateway.packed))

    # --- the exchange --------------------------------------------------------------------

    def _request(self, kind: int, flags: int, body: bytes) -> list[bytes]:
        """Send one request; the payloads of its answers (a dump's, or a get's one), after the ack."""
        self._seq = seq = (self._seq + 1) & 0xFFFFFFFF
        self._sock.send(_HEADER.pack(_HEADER.size + len(body), kind, F_REQUEST | F_ACK | flags, seq, 0) + body)
        answers: list[bytes] = []
        while True:
            data = self._sock.recv(_RECV_SIZE)
            for msg_type, msg_seq, payload in _messages(data):
                if msg_seq != seq:
                    continue  # a late answer to an earlier, abandoned request
                if msg_type == NLMSG_DONE:
                    return answers
                if msg_type == NLMSG_ERROR:
                    code = -_ERROR.unpack_from(payload)[0]
                    if code:
                        raise NetlinkError(code, os.strerror(code))
                    return answers  # the ack
                answers.append(payload)


def _messages(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, msg_type, _, seq, _ = _HEADER.unpack_from(data, offset)
        if length < _HEADER.size:
            raise NetlinkError(errno.EBADMSG, "malformed netlink message")
        yield msg_type, seq, data[offset + _HEADER.size:offset + length]
        offset += _align(length)


def _attrs(payload: bytes, offset: int) -> dict[int, bytes]:
    """Top-level attributes after a fixed header (the first of each type wins)."""
    found: dict[int, bytes] = {}
    while offset + _ATTR.size <= len(payload):
        length, kind = _ATTR.unpack_from(payload, offset)
        if length < _ATTR.size:
            break
        found.setdefault(kind & _NLA_TYPE_MASK, payload[offset + _ATTR.size:offset + length])
        offset += _align(length)
    return found


def _parse_link(payload: bytes) -> Link:
    _, _, index, flags, _ = _IFINFO.unpack_from(payload)
    attrs = _attrs(payload, _IFINFO.size)
    kind = _attrs(attrs[IFLA_LINKINFO], 0).get(IFLA_INFO_KIND) if IFLA_LINKINFO in attrs else None
    mac = attrs.get(IFLA_ADDRESS)
    return Link(index=index, name=_str(attrs.get(IFLA_IFNAME)) or "", kind=_str(kind), master=_u32(attrs, IFLA_MASTER),
                up=bool(flags & IFF_UP), mac=":".join(f"{b:02x}" for b in mac) if mac else None,
                mtu=_u32(attrs, IFLA_MTU), alias=_str(attrs.get(IFLA_IFALIAS)), peer_index=_u32(attrs, IFLA_LINK))


def _attr(kind: int, value: bytes) -> bytes:
    length = _ATTR.size + len(value)
    return _ATTR.pack(length, kind) + value + b"\0" * (_align(length) - length)


def _mtu_attr(mtu: int | None) -> bytes:
    return _attr(IFLA_MTU, struct.pack("=I", mtu)) if mtu else b""


def _align(length: int) -> int:
    return (length + 3) & ~3


def _cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def _str(raw: bytes | None) -> str | None:
    return raw.rstrip(b"\0").decode(errors="replace") if raw else None


def _u32(attrs: dict[int, bytes], kind: int) -> int | None:
    raw = attrs.get(kind)
    return struct.unpack_from("=I", raw)[0] if raw is not None and len(raw) >= 4 else None


def _mac_bytes(mac: str) -> bytes:
    return bytes(int(part, 16) for part in mac.split(":"))
