"""Valid Compose settings composer does not act on, kept as Compose normalizes them so
that `config` prints them back (credential_spec, isolation, models, gpus, provider, …).

Each handler turns the node into the plain JSON-like value Compose prints, or reports
what Compose would refuse. The service keeps them in `Service.extras`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from composer.config.fields_common import Node
from composer.config.fields_deploy import device_requests, plain
from composer.config.gosort import go_key


def _models(node: Node) -> dict[str, Any] | None:
    """A list of model names or a mapping name → {endpoint_var, model_var}."""
    if isinstance(node.value, list):
        names = node.string_list()
        return None if names is None else {name: None for name in names}
    entries = node.mapping()
    return None if entries is None else {name: plain(entries[name]) for name in sorted(entries, key=go_key)}


def _gpus(node: Node) -> list[Any] | None:
    """`gpus: all` is one request for every GPU (count -1), as Compose writes it."""
    if node.value == "all":
        return [{"count": -1}]
    return device_requests(node, need_capabilities=False)


def _provider(node: Node) -> dict[str, Any] | None:
    """Compose keeps each option as a list of strings."""
    entries = node.mapping(("type", "options"))
    if entries is None:
        return None
    result: dict[str, Any] = {}
    if "type" in entries:
        result["type"] = entries["type"].string()
    if "options" in entries:
        options = entries["options"].mapping() or {}
        result["options"] = {key: [_text(v) for v in child.value] if isinstance(child.value, list) else [_text(child.value)] for key, child in sorted(options.items(), key=lambda kv: go_key(kv[0]))}
    return result


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


BLKIO_DEVICE_LISTS = ("weight_device", "device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops")


def _blkio(node: Node) -> dict[str, Any] | None:
    """weight, and per-device lists of {path, weight} or {path, rate}; a rate is bytes."""
    entries = node.mapping(("weight", *BLKIO_DEVICE_LISTS))
    if entries is None:
        return None
    result: dict[str, Any] = {}
    if "weight" in entries:
        result["weight"] = entries["weight"].integer(minimum=0)
    for key in BLKIO_DEVICE_LISTS:
        if key in entries:
            second = "weight" if key == "weight_device" else "rate"
            measure = (lambda n: n.integer(minimum=0)) if second == "weight" else (lambda n: _bytes(n))
            items = entries[key].each(lambda item: _device_limit(item, second, measure))
            if items:
                result[key] = list(items)
    return result


def _device_limit(node: Node, second: str, measure: Callable[[Node], Any]) -> dict[str, Any] | None:
    entries = node.mapping(("path", second))
    if entries is None:
        return None
    values = {"path": entries["path"].string() if "path" in entries else None, second: measure(entries[second]) if second in entries else None}
    return {key: value for key, value in values.items() if value}


def _bytes(node: Node) -> str | None:
    size = node.size()
    return None if size is None else str(size)


def sorted_plain(value: Any) -> Any:
    """A plain copy with mapping keys sorted, as Go prints a map (extensions are maps)."""
    if isinstance(value, dict):
        return {str(k): sorted_plain(value[k]) for k in sorted(value, key=go_key)}
    if isinstance(value, list):
        return [sorted_plain(item) for item in value]
    return value


def _opaque(node: Node) -> Any:
    return plain(node)


PRINTED_ONLY: dict[str, Callable[[Node], Any]] = {
    "blkio_config": _blkio, "cpu_count": Node.integer, "cpu_percent": Node.integer,
    "cpu_rt_period": _opaque, "cpu_rt_runtime": _opaque, "credential_spec": lambda n: n.mapping(("config", "file", "registry")) is not None and plain(n) or None,
    "gpus": _gpus, "isolation": Node.string, "label_file": _opaque, "log_driver": Node.string,
    "log_opt": _opaque, "models": _models, "provider": _provider, "use_api_socket": Node.boolean,
    "volume_driver": Node.string, "net": Node.string,
}  # fmt: skip
