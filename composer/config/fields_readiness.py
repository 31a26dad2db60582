"""`x-readiness` of a service → Readiness: one probe kind (tcp, http, log) plus timings.

An x- key, so Docker Compose loads the file and ignores it; composer's supervisor runs
the probe and reports it as the container's health (docs/readiness.md).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from composer.config.fields_common import Node, fields
from composer.config.model import Readiness

KEY = "x-readiness"
PROBE_KINDS = ("tcp", "http", "log")
_HOST_NAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$")
_TCP_HINT = "write a port (5432) or HOST:PORT (127.0.0.1:5432)"
_HTTP_HINT = "write an http:// URL (http://localhost:8080/health), a port (8080) or PORT/PATH (8080/health)"


def readiness(node: Node) -> Readiness | None:
    """The Readiness of `services.<name>.x-readiness`, or None after reporting its problems."""
    handlers = {
        "tcp": _tcp,
        "http": _http,
        "log": _log_pattern,
        "interval": lambda n: _positive(n, Node.duration),
        "timeout": lambda n: _positive(n, Node.duration),
        "start_period": Node.duration,
        "retries": lambda n: n.integer(minimum=1),
    }
    before = len(node.problems)
    values = fields(node, handlers)
    if values is None or len(node.problems) > before:
        return None
    kinds = [kind for kind in PROBE_KINDS if kind in node.value]
    if not kinds:
        node.error("names no probe", "add one of tcp: PORT, http: URL or log: PATTERN")
        return None
    if len(kinds) > 1:
        node.error(f"sets both {kinds[0]} and {kinds[1]}", "keep one probe kind per service")
        return None
    return Readiness(**values)


def _positive(node: Node, parse) -> int | None:
    value = parse(node)
    if value == 0:
        node.error("must be longer than 0s", "like 1s or 500ms")
        return None
    return value


def _tcp(node: Node) -> str | None:
    text = _port_text(node)
    if text is None:
        return None
    host, _, port = text.rpartition(":")
    if _port(node, port, _TCP_HINT) is None or (host and not _valid_host(node, host.strip("[]"), _TCP_HINT)):
        return None
    return text


def _http(node: Node) -> str | None:
    text = _port_text(node)
    if text is None:
        return None
    if "://" not in text:  # 8080 or 8080/health
        port, slash, path = text.partition("/")
        if _port(node, port, _HTTP_HINT) is None:
            return None
        return f"http://127.0.0.1:{port}/{path if slash else ''}"
    try:
        url = urlsplit(text)
        port = url.port
    except ValueError as exc:
        node.error(f"{text!r} is not a URL: {exc}", _HTTP_HINT)
        return None
    if url.scheme != "http":
        node.error(f"{url.scheme}:// is not supported", "probe plain http://, or use tcp: PORT for a TLS port")
        return None
    if not url.hostname:
        node.error(f"{text!r} names no host", _HTTP_HINT)
        return None
    if not _valid_host(node, url.hostname, _HTTP_HINT):
        return None
    if port == 0:
        node.error(f"{text!r}: port 0 is out of range", "use a port from 1 to 65535")
        return None
    return text


def _log_pattern(node: Node) -> str | None:
    pattern = node.string()
    if pattern is None:
        return None
    if not pattern:
        node.error("is empty", "write a regular expression matching the line that says ready")
        return None
    try:
        re.compile(pattern)
    except re.error as exc:
        node.error(f"{pattern!r} is not a regular expression: {exc}", "escape special characters with \\")
        return None
    return pattern


def _port_text(node: Node) -> str | None:
    if isinstance(node.value, int) and not isinstance(node.value, bool):
        return str(node.value)
    return node.string()


def _port(node: Node, text: str, hint: str) -> int | None:
    if not text.isdigit():
        node.error(f"{text!r} is not a port", hint)
        return None
    if not 1 <= int(text) <= 65535:
        node.error(f"port {text} is out of range", "use a port from 1 to 65535")
        return None
    return int(text)


def _valid_host(node: Node, host: str, hint: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if _HOST_NAME.match(host):
        return True
    node.error(f"{host!r} is not a host name or IP address", hint)
    return False
