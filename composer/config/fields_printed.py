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


def _models(node: Node) -> dict[str, Any] | None:
    """A list of model names or a mapping name → {endpoint_var, model_var}."""
    if isinstance(node.value, list):
        names = node.string_list()
        return None if names is None else {name: None for name in names}
    entries = node.mapping()
    return None if entries is None else {name: plain(child) for name, child in sorted(entries.items())}


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
        result["options"] = {key: [_text(v) for v in child.value] if isinstance(child.value, list) else [_text(child.value)] for key, child in sorted(options.items())}
    return result


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _opaque(node: Node) -> Any:
    return plain(node)


PRINTED_ONLY: dict[str, Callable[[Node], Any]] = {
    "blkio_config": _opaque, "cpu_count": Node.integer, "cpu_percent": Node.integer,
    "cpu_rt_period": _opaque, "cpu_rt_runtime": _opaque, "credential_spec": lambda n: n.mapping(("config", "file", "registry")) is not None and plain(n) or None,
    "gpus": _gpus, "isolation": Node.string, "label_file": _opaque, "log_driver": Node.string,
    "log_opt": _opaque, "models": _models, "provider": _provider, "use_api_socket": Node.boolean,
    "volume_driver": Node.string, "net": Node.string,
}  # fmt: skip
