"""Endpoint addresses as the forwarder config writes them, and the sockaddrs they mean.

    tcp://[addr]:port    udp://[addr]:port    unix:///absolute/path

Hosts are IP literals only (IPv6 in brackets): the forwarder never resolves names, since a
DNS lookup would stall every connection the event loop serves; composer resolves first.
An empty host means "any" and is only allowed where we listen.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

SCHEMES = ("tcp", "udp", "unix")


@dataclass(frozen=True)
class Endpoint:
    scheme: str  # "tcp" | "udp" | "unix"
    host: str = ""  # IP literal, "" for any (listen only)
    port: int = 0
    path: str = ""  # unix only

    @property
    def family(self) -> int:
        if self.scheme == "unix":
            return socket.AF_UNIX
        return socket.AF_INET6 if ":" in self.host else socket.AF_INET

    @property
    def sock_type(self) -> int:
        return socket.SOCK_DGRAM if self.scheme == "udp" else socket.SOCK_STREAM

    @property
    def sockaddr(self) -> str | tuple:
        if self.scheme == "unix":
            return self.path
        if self.family == socket.AF_INET6:
            return (self.host or "::", self.port, 0, 0)
        return (self.host or "0.0.0.0", self.port)

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def parse_endpoint(text: str, *, listen: bool) -> Endpoint:
    """'tcp://10.0.0.5:5432' → Endpoint. Raises ValueError saying what is wrong."""
    scheme, sep, rest = text.partition("://")
    if not sep or scheme not in SCHEMES:
        raise ValueError(f"{text!r} is not an address; use tcp://[addr]:port, udp://[addr]:port or unix:///path")
    if scheme == "unix":
        if not rest.startswith("/"):
            raise ValueError(f"{text!r}: a unix socket path must be absolute (unix:///path)")
        return Endpoint("unix", path=rest)
    try:
        host, port = split_host_port(rest)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if not host and not listen:
        raise ValueError(f"{text!r}: a target needs an IP address (only a listen address may leave it empty)")
    return Endpoint(scheme, host, port)


def split_host_port(text: str) -> tuple[str, int]:
    """'10.0.0.5:5432' / '[fd00::5]:53' / ':80' → (host, port); host is checked to be an IP."""
    if text.startswith("["):
        host, sep, port_text = text[1:].partition("]:")
        if not sep:
            raise ValueError("write an IPv6 address as [addr]:port")
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep:
            raise ValueError("no port; write addr:port")
        if ":" in host:
            raise ValueError("write an IPv6 address as [addr]:port")
    return check_ip(host), parse_port(port_text)


def check_ip(host: str) -> str:
    """The normalized IP literal, "" for ""; ValueError for anything else (names too)."""
    if not host:
        return ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        raise ValueError(f"{host!r} is not an IP address (the forwarder does not resolve names)") from None


def parse_port(port_text: str) -> int:
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"port {port_text!r} is not a number from 1 to 65535")
    return int(port_text)
