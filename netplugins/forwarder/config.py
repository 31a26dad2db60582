"""The forwarder's config file: parse, validate, and write back.

    {"stats": "/run/composer/p/ambassadors.stats.json",     optional
     "pipe_size": 65536, "shutdown_grace": 2,                 optional
     "stats_interval": 1,                                     optional, seconds
     "ambassadors": [
       {"name": "catalogue",
        "listen": "tcp://0.0.0.0:5432",                       tcp:// | udp:// | unix:///path
        "socket_mode": "0660",                                unix listen only
        "target": ["tcp://10.0.0.5:5432"],                    or "unix:///var/run/docker.sock"
        "targets_file": "/run/composer/p/targets/pgdb.json",  instead of target
        "retry": 30, "connect_timeout": 5,                    seconds
        "balance": "round-robin",                             or "least-connections"
        "max_connections": 4096, "idle_timeout": 0,           0: never
        "udp_session_timeout": 30, "udp_max_sessions": 1024,
        "fast_path": "off"}]}                                 "auto": kernel DNAT to healthy targets (fastpath.py)

Every mistake is one ForwarderConfigError line naming the file and key path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from ..atomic import write_atomically
from ..errors import NetworkError, key_path
from netplugins.forwarder.addresses import Endpoint, parse_endpoint

BALANCES = ("round-robin", "least-connections")
FAST_PATHS = ("auto", "off")
MIN_PIPE_SIZE = 4096
MAX_PIPE_SIZE = 1 << 20  # /proc/sys/fs/pipe-max-size default


class ForwarderConfigError(NetworkError):
    """The forwarder config or a targets file is wrong."""


class ForwarderError(NetworkError):
    """The forwarder could not do what its config asks (e.g. listen on a busy port)."""


@dataclass(frozen=True)
class AmbassadorConfig:
    name: str
    listen: Endpoint
    target: tuple[Endpoint, ...] = ()
    targets_file: str = ""
    socket_mode: int | None = None
    retry: float = 0.0
    connect_timeout: float = 5.0
    balance: str = "round-robin"
    max_connections: int = 4096
    idle_timeout: float = 0.0
    udp_session_timeout: float = 30.0
    udp_max_sessions: int = 1024
    fast_path: str = "off"  # the published ports' proxy stays in userspace; composer asks "auto" for ambassadors


@dataclass(frozen=True)
class ForwarderConfig:
    ambassadors: tuple[AmbassadorConfig, ...]
    stats: str = ""
    pipe_size: int = 64 * 1024  # the kernel default; larger measured no faster on loopback
    shutdown_grace: float = 2.0
    stats_interval: float = 1.0


class _Invalid(Exception):
    """A bad value; the caller knows the key path and turns it into ForwarderConfigError."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def load_config(path: str) -> ForwarderConfig:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ForwarderConfigError(f"{path}: cannot read forwarder config: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ForwarderConfigError(f"{path}: not valid JSON: {exc}", "rewrite it with write_config()") from None
    return parse_config(data, path)


def parse_config(data: Any, source: str = "<config>") -> ForwarderConfig:
    try:
        return _config(data)
    except _Invalid as exc:
        where = f"{source}: {exc.path}" if exc.path else source
        raise ForwarderConfigError(f"{where}: {exc}") from None


def _config(data: Any) -> ForwarderConfig:
    _require(isinstance(data, dict), "", "the config must be a JSON object with an 'ambassadors' list")
    _check_keys(data, {"ambassadors", "stats", "pipe_size", "shutdown_grace", "stats_interval"}, "")
    raw_list = data.get("ambassadors")
    _require(isinstance(raw_list, list), "ambassadors", "must be a list")
    ambassadors = tuple(_ambassador(raw, key_path("ambassadors", i)) for i, raw in enumerate(raw_list))
    names = [a.name for a in ambassadors]
    for i, name in enumerate(names):
        _require(name not in names[:i], key_path("ambassadors", i, "name"), f"{name!r} is used twice")
    defaults = ForwarderConfig(())
    stats = data.get("stats", "")
    _require(isinstance(stats, str), "stats", "must be a file path")
    pipe_size = _integer(data.get("pipe_size", defaults.pipe_size), "pipe_size", MIN_PIPE_SIZE, MAX_PIPE_SIZE)
    grace = _seconds(data.get("shutdown_grace", defaults.shutdown_grace), "shutdown_grace")
    interval = _positive_seconds(data.get("stats_interval", defaults.stats_interval), "stats_interval")
    return ForwarderConfig(ambassadors, stats, pipe_size, grace, interval)


def _ambassador(raw: Any, where: str) -> AmbassadorConfig:
    _require(isinstance(raw, dict), where, "must be an object")
    _check_keys(raw, set(_FIELDS) | {"name", "listen", "target", "targets_file"}, where)
    name = raw.get("name")
    _require(isinstance(name, str) and name != "", f"{where}.name", "must be a non-empty string")
    listen = _endpoint(raw.get("listen"), f"{where}.listen", listen=True)
    values = {key: parse(raw[key], f"{where}.{key}") for key, parse in _FIELDS.items() if key in raw}
    target, targets_file = _targets(raw, where, listen)
    if values.get("socket_mode") is not None:
        _require(listen.scheme == "unix", f"{where}.socket_mode", "only applies to a unix:// listen address")
    return AmbassadorConfig(name, listen, target, targets_file, **values)


def _targets(raw: dict, where: str, listen: Endpoint) -> tuple[tuple[Endpoint, ...], str]:
    has_target, has_file = "target" in raw, "targets_file" in raw
    _require(has_target != has_file, where, "needs exactly one of 'target' and 'targets_file'")
    if has_file:
        path = raw["targets_file"]
        _require(isinstance(path, str) and path.startswith("/"), f"{where}.targets_file", "must be an absolute path")
        return (), path
    value = raw["target"]
    items = [value] if isinstance(value, str) else value
    _require(isinstance(items, list) and items, f"{where}.target", "must be an address or a non-empty list of them")
    targets = tuple(_endpoint(item, key_path(f"{where}.target", i), listen=False) for i, item in enumerate(items))
    wanted = ("udp",) if listen.scheme == "udp" else ("tcp", "unix")
    for i, target in enumerate(targets):
        message = f"a {listen.scheme} listener forwards to {' or '.join(wanted)} targets, not {target.scheme}"
        _require(target.scheme in wanted, key_path(f"{where}.target", i), message)
    return targets, ""


def _endpoint(value: Any, where: str, listen: bool) -> Endpoint:
    _require(isinstance(value, str), where, "must be an address string like tcp://10.0.0.5:5432")
    try:
        endpoint = parse_endpoint(value, listen=listen)
    except ValueError as exc:
        raise _Invalid(where, str(exc)) from None
    return endpoint


def _seconds(value: Any, where: str) -> float:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1e9
    _require(ok, where, f"must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _positive_seconds(value: Any, where: str) -> float:
    seconds = _seconds(value, where)
    _require(seconds > 0, where, f"must be a number of seconds > 0, got {value!r}")
    return seconds


def _integer(value: Any, where: str, low: int = 1, high: int = 1 << 30) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    _require(ok, where, f"must be a whole number from {low} to {high}, got {value!r}")
    return value


def _mode(value: Any, where: str) -> int | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else ""
    ok = text.isdigit() and set(text) <= set("01234567") and int(text, 8) <= 0o777
    _require(ok, where, f"must be an octal mode string like \"0660\", got {value!r}")
    return int(text, 8)


def _fast_path(value: Any, where: str) -> str:
    _require(value in FAST_PATHS, where, f"must be one of {', '.join(FAST_PATHS)}, got {value!r}")
    return value


def _balance(value: Any, where: str) -> str:
    _require(value in BALANCES, where, f"must be one of {', '.join(BALANCES)}, got {value!r}")
    return value


_FIELDS: dict[str, Callable[[Any, str], Any]] = {
    "socket_mode": _mode,
    "retry": _seconds,
    "connect_timeout": _positive_seconds,
    "balance": _balance,
    "max_connections": _integer,
    "idle_timeout": _seconds,
    "udp_session_timeout": _positive_seconds,
    "udp_max_sessions": _integer,
    "fast_path": _fast_path,
}


def _check_keys(raw: dict, known: set[str], where: str) -> None:
    for key in raw:
        _require(key in known, f"{where}.{key}" if where else str(key), f"unknown key; known keys: {', '.join(sorted(known))}")


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise _Invalid(where, message)


def config_to_dict(config: ForwarderConfig) -> dict[str, Any]:
    """The JSON form that load_config() reads back to an equal ForwarderConfig."""
    return {
        "stats": config.stats,
        "pipe_size": config.pipe_size,
        "shutdown_grace": config.shutdown_grace,
        "stats_interval": config.stats_interval,
        "ambassadors": [_ambassador_to_dict(a) for a in config.ambassadors],
    }


def _ambassador_to_dict(amb: AmbassadorConfig) -> dict[str, Any]:
    out: dict[str, Any] = {"name": amb.name, "listen": str(amb.listen)}
    if amb.targets_file:
        out["targets_file"] = amb.targets_file
    else:
        out["target"] = [str(t) for t in amb.target]
    if amb.socket_mode is not None:
        out["socket_mode"] = f"{amb.socket_mode:04o}"
    for key in _FIELDS:
        if key != "socket_mode":
            out[key] = getattr(amb, key)
    return out


def write_json_atomically(path: str, data: Any) -> None:
    """Readers see the old file or the new one, never half of one (write, then rename)."""
    write_atomically(path, json.dumps(data, indent=1) + "\n")
