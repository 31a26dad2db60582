"""One item per key in the lists Compose treats as sets, after merging (as compose-go).

ports, volumes (by container path, cleaned: `/data/` and `/data` are one), secrets,
configs, expose, devices, env_file and the name lists: the later item wins, at the
earlier item's place.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any

from composer.config.merge_tree import items_of, marked_list
from composer.config.source import Mark, MarkedDict, MarkedList


def _key_before_equals(item: Any) -> Any:
    return item.split("=", 1)[0] if isinstance(item, str) else None


def _target(item: Any, normalize: bool) -> Any:
    """The container side of a volume or device: `target:`, or the second part of a:b[:c]."""
    if isinstance(item, dict):
        target = item.get("target")
    elif isinstance(item, str):
        parts = item.split(":")
        target = parts[0] if len(parts) == 1 else parts[1]
    else:
        return None
    if not isinstance(target, str) or not target:
        return None
    return posixpath.normpath(target) if normalize else target


def _port_key(item: Any) -> Any:
    """(host ip, published, target, protocol); 0.0.0.0 and no ip are the same."""
    if isinstance(item, bool):
        return None
    if isinstance(item, int):
        return ("", "", str(item), "tcp")
    if isinstance(item, dict):
        target = item.get("target")
        if target is None or isinstance(target, (dict, list)):
            return None
        ip, published = str(item.get("host_ip") or ""), item.get("published")
        return ("" if ip == "0.0.0.0" else ip, "" if published is None else str(published), str(target), str(item.get("protocol") or "tcp"))
    if not isinstance(item, str):
        return None
    spec, _, protocol = item.partition("/")
    host = ""
    if spec.startswith("["):
        host, _, spec = spec[1:].partition("]")
        spec = spec.lstrip(":")
    parts = spec.rsplit(":", 2) if not host else ["", *spec.rsplit(":", 1)]
    target = parts[-1]
    published = parts[-2] if len(parts) > 1 else ""
    ip = host or (parts[0] if len(parts) == 3 else "")
    return ("" if ip == "0.0.0.0" else ip, published, target, protocol or "tcp")


def _mount_key(default_dir: str) -> Callable[[Any], Any]:
    def key(item: Any) -> Any:
        if isinstance(item, str):
            return f"{default_dir}/{item}"
        if isinstance(item, dict):
            target = item.get("target")
            return target if isinstance(target, str) else f"{default_dir}/{item.get('source')}"
        return None

    return key


def _env_file_key(item: Any) -> Any:
    if isinstance(item, dict):
        item = item.get("path")
    return item if isinstance(item, str) else None


def _expose_key(item: Any) -> Any:
    return None if isinstance(item, (bool, dict, list)) else str(item)


_KeyOf = Callable[[Any], Any]
_UNIQUE_IN_SERVICE: dict[str, _KeyOf] = {
    "volumes": lambda item: _target(item, normalize=True),
    "devices": lambda item: _target(item, normalize=False),
    "ports": _port_key,
    "secrets": _mount_key("/run/secrets"),
    "configs": _mount_key(""),
    "expose": _expose_key,
    "env_file": _env_file_key,
    **dict.fromkeys(("cap_add", "cap_drop", "dns", "dns_opt", "dns_search", "links", "profiles", "tmpfs"), _key_before_equals),
    **dict.fromkeys(("environment", "labels", "annotations", "sysctls"), _key_before_equals),
}
_UNIQUE_IN_BUILD = dict.fromkeys(("args", "labels", "tags", "platforms", "additional_contexts"), _key_before_equals)
_UNIQUE_IN_NETWORK = dict.fromkeys(("aliases", "link_local_ips"), _key_before_equals)
_UNIQUE_LABELS = {"labels": _key_before_equals}


def _unique(value: Any, key_of: _KeyOf) -> Any:
    if not isinstance(value, MarkedList):
        return value
    kept: list[tuple[Any, Mark]] = []
    position: dict[Any, int] = {}
    for item, item_mark in items_of(value):
        key = key_of(item)
        if key is not None and key in position:
            kept[position[key]] = (item, item_mark)
            continue
        if key is not None:
            position[key] = len(kept)
        kept.append((item, item_mark))
    return marked_list(kept, value.mark)


def _unique_in(container: Any, key_functions: dict[str, _KeyOf]) -> None:
    if isinstance(container, MarkedDict):
        for name, key_of in key_functions.items():
            if name in container:
                container[name] = _unique(container[name], key_of)


def _members(section: Any) -> Any:
    return section.values() if isinstance(section, MarkedDict) else ()


def enforce_unicity(model: MarkedDict) -> None:
    """Keep one item per key in the lists Compose treats as sets (in place)."""
    for service in _members(model.get("services")):
        _unique_in(service, _UNIQUE_IN_SERVICE)
        if isinstance(service, MarkedDict):
            _unique_in(service.get("build"), _UNIQUE_IN_BUILD)
            _unique_in(service.get("deploy"), _UNIQUE_LABELS)
            for network in _members(service.get("networks")):
                _unique_in(network, _UNIQUE_IN_NETWORK)
    for network in _members(model.get("networks")):
        _unique_in(network, _UNIQUE_LABELS)
