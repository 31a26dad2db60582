"""Ambassadors (composer's extension): `ambassadors:` (or `x-ambassadors:`) → Ambassador.

Two spellings of one thing:

    ambassadors:
      catalogue:                          # mapping form
        listen: tcp://:5432               # tcp://[ADDR]:PORT | udp://[ADDR]:PORT | unix:///host/path.sock
                                          #   | unix://VOLUME/path.sock (the socket lives in a project volume)
        target: tcp://pgdb:5432           # tcp|udp://SERVICE:PORT | tcp|udp://HOST:PORT | unix:///path | unix://VOLUME/path
        networks: [backend]               # default: the project's default network
        ports: ["127.0.0.1:15432:5432"]   # publish on the host, as services do
        retry: 30s                        # how long a new connection waits for a target (default 30s)
        connect_timeout: 5s
        balance: round-robin              # or least-connections
        max_connections: 1000
        idle_timeout: 10m
        fast_path: auto                   # or off: auto forwards in the kernel (nftables DNAT to the
                                          #   healthy targets) when the ambassador is plain TCP/UDP,
                                          #   round-robin, without max_connections or timeouts
      docker-api: "TCP-LISTEN:2375 UNIX-CONNECT:/var/run/docker.sock"   # socat-style shorthand

Shorthand addresses (case-insensitive, socat's names): listen with TCP-LISTEN:PORT,
UDP-LISTEN:PORT, UNIX-LISTEN:PATH (4/6 variants too; `,bind=ADDR` sets the address);
connect with TCP:HOST:PORT, UDP:HOST:PORT, UNIX-CONNECT:PATH. socat options that suit a
forking proxy (fork, reuseaddr, …) are accepted and ignored.

A target host that is a service of the project makes the ambassador depend on it. Any
other target must look like a host outside the project: an IP, `localhost`, or a name
with a dot, so a mistyped service name is reported instead of being resolved as a host.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import replace

from composer.config.fields_common import Node, did_you_mean, fields
from composer.config.fields_ports import port_mappings
from composer.config.model import Ambassador, Endpoint

BALANCE = ("round-robin", "least-connections")
FAST_PATH = ("auto", "off")
_URL = re.compile(r"^(tcp|udp|unix)://(.*)$", re.IGNORECASE)
_IGNORED_SOCAT_OPTIONS = {"fork", "reuseaddr", "reuseport", "keepalive", "nodelay", "unlink-early", "max-children"}
_LISTEN_TYPES = {"tcp-listen": "tcp", "tcp4-listen": "tcp", "tcp6-listen": "tcp", "udp-listen": "udp",
                 "udp4-listen": "udp", "udp6-listen": "udp", "unix-listen": "unix"}  # fmt: skip
_CONNECT_TYPES = {"tcp": "tcp", "tcp4": "tcp", "tcp6": "tcp", "tcp-connect": "tcp", "udp": "udp", "udp4": "udp",
                  "udp6": "udp", "udp-connect": "udp", "udp-sendto": "udp", "unix-connect": "unix",
                  "unix-client": "unix", "unix": "unix"}  # fmt: skip
URL_HINT = "use tcp://[ADDRESS]:PORT, udp://[ADDRESS]:PORT, unix:///PATH or unix://VOLUME/PATH"
SHORTHAND_HINT = 'write "TCP-LISTEN:PORT TCP:HOST:PORT" (socat style) or use the mapping form'


class AmbassadorSyntaxError(ValueError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def parse_endpoint(text: str, listening: bool) -> Endpoint:
    """'tcp://:5432' / 'unix://vol/app.sock' → Endpoint. Raises AmbassadorSyntaxError."""
    match = _URL.match(text.strip())
    if match is None:
        raise AmbassadorSyntaxError(f"{text!r} is not an address", URL_HINT)
    protocol, rest = match.group(1).lower(), match.group(2)
    if protocol == "unix":
        return _unix_endpoint(text, rest)
    host, port = _host_port(text, rest)
    return _network_endpoint(protocol, host, port, listening, text)


def _unix_endpoint(text: str, rest: str) -> Endpoint:
    if rest.startswith("/"):
        path, volume = rest, None
    else:
        volume, slash, tail = rest.partition("/")
        if not volume or not slash or not tail:
            raise AmbassadorSyntaxError(f"{text!r} has no socket path", "use unix:///PATH or unix://VOLUME/PATH")
        path = "/" + tail
    if path.endswith("/") or "/../" in path + "/":
        raise AmbassadorSyntaxError(f"{text!r} is not a socket path", "name a file, like unix:///run/app.sock")
    return Endpoint("unix", path=path, volume=volume)


def _host_port(text: str, rest: str) -> tuple[str, str]:
    if rest.startswith("["):
        host, bracket, tail = rest[1:].partition("]")
        if not bracket or not tail.startswith(":"):
            raise AmbassadorSyntaxError(f"{text!r} is not an address", URL_HINT)
        return host, tail[1:]
    host, colon, port = rest.rpartition(":")
    if not colon:
        raise AmbassadorSyntaxError(f"{text!r} has no port", URL_HINT)
    return host, port


def _network_endpoint(protocol: str, host: str, port_text: str, listening: bool, text: str) -> Endpoint:
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise AmbassadorSyntaxError(f"{text!r} has no valid port (1-65535)", URL_HINT)
    if listening and host and not _is_ip(host):
        raise AmbassadorSyntaxError(f"{text!r} listens on {host!r}, which is not an IP address", "leave it empty (tcp://:PORT) to listen on all addresses")
    if not listening and not host:
        raise AmbassadorSyntaxError(f"{text!r} has no host to connect to", "use tcp://SERVICE:PORT or tcp://HOST:PORT")
    return Endpoint(protocol, host=host, port=int(port_text))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_shorthand(text: str) -> tuple[Endpoint, Endpoint]:
    """'TCP-LISTEN:2375 UNIX-CONNECT:/var/run/docker.sock' → (listen, target)."""
    words = text.split()
    if len(words) != 2:
        raise AmbassadorSyntaxError(f"{text!r} is not two socat addresses", SHORTHAND_HINT)
    listen = _socat_address(words[0], _LISTEN_TYPES, listening=True)
    target = _socat_address(words[1], _CONNECT_TYPES, listening=False)
    return listen, target


def _socat_address(word: str, types: dict[str, str], listening: bool) -> Endpoint:
    kind, _, rest = word.partition(":")
    protocol = types.get(kind.lower())
    if protocol is None:
        role = "listening" if listening else "connecting"
        hint = did_you_mean(kind.lower(), types) or f"use one of {', '.join(sorted(types)).upper()}"
        raise AmbassadorSyntaxError(f"{kind!r} is not a socat {role} address type", hint)
    params, *options = rest.split(",")
    bind = _socat_options(word, options)
    if protocol == "unix":
        if not params.startswith("/"):
            raise AmbassadorSyntaxError(f"{word!r} needs an absolute socket path", "like UNIX-LISTEN:/run/app.sock")
        return Endpoint("unix", path=params)
    if listening:
        return _network_endpoint(protocol, bind, params, True, word)
    host, port = _host_port(word, params)
    return _network_endpoint(protocol, host, port, False, word)


def _socat_options(word: str, options: list[str]) -> str:
    """The bind= address among socat options; the others must be harmless ones."""
    bind = ""
    for option in options:
        name, _, value = option.partition("=")
        if name.lower() == "bind":
            bind = value.strip("[]")
        elif name.lower() not in _IGNORED_SOCAT_OPTIONS:
            raise AmbassadorSyntaxError(f"{word!r} has an unsupported socat option {name!r}", f"only bind= and {', '.join(sorted(_IGNORED_SOCAT_OPTIONS))} are accepted")
    return bind


def _endpoint_field(listening: bool):
    def parse(node: Node) -> Endpoint | None:
        text = node.string()
        if text is None:
            return None
        try:
            return parse_endpoint(text, listening)
        except AmbassadorSyntaxError as exc:
            node.error(exc.message, exc.hint)
            return None

    return parse


_FIELDS = {
    "listen": _endpoint_field(listening=True),
    "target": _endpoint_field(listening=False),
    "networks": Node.string_list,
    "ports": port_mappings,
    "retry": Node.duration,
    "connect_timeout": Node.duration,
    "balance": lambda n: n.one_of(BALANCE),
    "max_connections": lambda n: n.integer(minimum=1),
    "idle_timeout": Node.duration,
    "fast_path": lambda n: n.one_of(FAST_PATH),
}


def build_ambassador(node: Node, service_names: set[str]) -> Ambassador | None:
    """The Ambassador for `ambassadors.<name>` in either form, or None after reporting."""
    before = len(node.problems)
    if isinstance(node.value, str):
        try:
            listen, target = parse_shorthand(node.value)
        except AmbassadorSyntaxError as exc:
            node.error(exc.message, exc.hint)
            return None
        values: dict = {"listen": listen, "target": target, "shorthand": node.value}
    elif isinstance(node.value, dict):
        values = fields(node, _FIELDS) or {}
        for required in ("listen", "target"):
            if required not in node.value:
                node.error(f"ambassador {node.name!r} is missing {required!r}", f"add {required}: tcp://…")
    else:
        node.wrong_type("a mapping or a socat-style string", SHORTHAND_HINT)
        return None
    if len(node.problems) > before:
        return None
    return _checked(node, Ambassador(name=node.name, **values), service_names)


def _checked(node: Node, ambassador: Ambassador, service_names: set[str]) -> Ambassador | None:
    listen, target = ambassador.listen, ambassador.target
    if "udp" in (listen.protocol, target.protocol) and listen.protocol != target.protocol:
        node.error(f"ambassador {node.name!r} cannot forward {listen.protocol} to {target.protocol}", "udp only forwards to udp")
        return None
    if listen.protocol == "unix" and ambassador.ports:
        node.error(f"ambassador {node.name!r} listens on a unix socket and cannot publish ports", "remove ports: or listen on tcp://")
        return None
    if target.protocol == "unix":
        return ambassador
    if target.host in service_names:
        return replace(ambassador, target_service=target.host)
    if not (_is_ip(target.host) or target.host == "localhost" or "." in target.host):
        hint = did_you_mean(target.host, service_names) or "name a service of this project, or a host with its domain (db.example.com) or IP"
        _at(node, "target").error(f"ambassador {node.name!r} targets {target.host!r}, which is not a service of this project", hint)
        return None
    return ambassador


def _at(node: Node, key: str) -> Node:
    """The node of `key` in the mapping form, else the ambassador's own node (shorthand)."""
    return node.child(key, node.value[key]) if isinstance(node.value, dict) and key in node.value else node
