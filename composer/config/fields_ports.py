"""Ports: Compose's short syntax `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTO]`
and long syntax, both to PortMapping (one per container port, as Compose splits ranges).
Shared by services and ambassadors.
"""

from __future__ import annotations

import ipaddress

from composer.config.fields_common import Node, fields
from composer.config.model import PortMapping

PROTOCOLS = ("tcp", "udp", "sctp")
SHORT_SYNTAX_HINT = "use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp"


class PortSyntaxError(ValueError):
    pass


def parse_port_spec(spec: str) -> list[PortMapping]:
    """'127.0.0.1:8000-8001:80-81/udp' → two PortMappings. Raises PortSyntaxError."""
    rest, _, protocol = spec.partition("/")
    protocol = (protocol or "tcp").lower()
    if protocol not in PROTOCOLS:
        raise PortSyntaxError(f"{protocol!r} is not a protocol (tcp, udp or sctp)")
    host_ip, host_ports, container_ports = _split_parts(rest)
    targets = _port_range(container_ports, "container port")
    if host_ports == "":
        return [PortMapping(target=t, host_ip=host_ip, protocol=protocol) for t in targets]
    published = _port_range(host_ports, "host port")
    if len(targets) == 1:
        return [PortMapping(target=targets[0], published=host_ports, host_ip=host_ip, protocol=protocol)]
    if len(published) != len(targets):
        raise PortSyntaxError(f"host range {host_ports} and container range {container_ports} differ in length")
    return [PortMapping(target=t, published=str(p), host_ip=host_ip, protocol=protocol) for t, p in zip(targets, published)]


def _split_parts(text: str) -> tuple[str, str, str]:
    parts = text.split(":")
    if len(parts) == 1:
        return "", "", parts[0]
    if len(parts) == 2:
        return "", parts[0], parts[1]
    host_ip = ":".join(parts[:-2])
    if host_ip.startswith("[") and host_ip.endswith("]"):
        host_ip = host_ip[1:-1]
    if host_ip:
        try:
            ipaddress.ip_address(host_ip)
        except ValueError:
            raise PortSyntaxError(f"{host_ip!r} is not an IP address") from None
    return host_ip, parts[-2], parts[-1]


def _port_range(text: str, what: str) -> list[int]:
    start, dash, end = text.partition("-")
    try:
        first = int(start)
        last = int(end) if dash else first
    except ValueError:
        raise PortSyntaxError(f"{text!r} is not a {what} or range") from None
    if not (0 <= first <= last <= 65535) or not start.isdigit() or (dash and not end.isdigit()):
        raise PortSyntaxError(f"{text!r} is not a {what} or range (0-65535)")
    return list(range(first, last + 1))


def port_mappings(node: Node) -> tuple[PortMapping, ...] | None:
    """`ports:`: a list of short strings/numbers or long-syntax mappings."""
    entries = node.items()
    if entries is None:
        return None
    result: list[PortMapping] = []
    for entry in entries:
        result.extend(_port_entry(entry))
    return tuple(result)


def _port_entry(entry: Node) -> list[PortMapping]:
    if isinstance(entry.value, dict):
        mapping = _long_port(entry)
        return [mapping] if mapping else []
    text = entry.scalar_string()
    if text is None:
        return []
    try:
        mappings = parse_port_spec(text)
    except PortSyntaxError as exc:
        entry.error(f"{text!r} is not a port mapping: {exc}", SHORT_SYNTAX_HINT)
        return []
    if any(m.target == 0 for m in mappings):  # Compose: container port 0 means none was given
        entry.error(f"{text!r} is missing a target port", SHORT_SYNTAX_HINT)
        return []
    return mappings


def _published(node: Node) -> str | None:
    text = node.scalar_string()
    if text is None:
        return None
    try:
        _port_range(text, "published port")
    except PortSyntaxError as exc:
        node.error(str(exc), "use a port like 8080 or a range like 8080-8090")
        return None
    return text


_LONG_PORT = {
    "target": lambda n: n.integer(minimum=0),
    "published": _published,
    "host_ip": lambda n: n.string(),
    "protocol": lambda n: n.one_of(PROTOCOLS),
    "mode": lambda n: n.one_of(("ingress", "host")),
    "app_protocol": lambda n: n.string(),
    "name": lambda n: n.string(),
}


def _long_port(entry: Node) -> PortMapping | None:
    values = fields(entry, _LONG_PORT)
    if values is None:
        return None
    if "target" not in values:
        if not isinstance(entry.value, dict) or "target" not in entry.value:
            entry.error("is missing a target port", "add target: CONTAINER_PORT")
        return None
    if values["target"] > 65535:
        entry.error(f"target port {values['target']} is over 65535")
        return None
    return PortMapping(**values)


def expose_list(node: Node) -> tuple[str, ...] | None:
    """`expose:` entries "80", "8000-8010", "53/udp", validated but kept as written."""
    entries = node.items()
    if entries is None:
        return None
    result = []
    for entry in entries:
        text = entry.scalar_string()
        if text is None:
            continue
        port, _, protocol = text.partition("/")
        try:
            _port_range(port, "port")
            if protocol and protocol.lower() not in PROTOCOLS:
                raise PortSyntaxError(f"{protocol!r} is not a protocol (tcp, udp or sctp)")
        except PortSyntaxError as exc:
            entry.error(f"{text!r} is not a port to expose: {exc}", "use PORT[-END][/PROTOCOL], like 8080 or 53/udp")
            continue
        result.append(text)
    return tuple(result)
