"""`deploy:` — replicas, resources, restart policy and labels; the swarm-only parts are kept opaque."""

from __future__ import annotations

from typing import Any

from composer.config.fields_common import Node, fields
from composer.config.model import Deploy, ResourceLimits, ResourceReservations, Resources, RestartPolicy


def plain(node: Node) -> Any:
    """A JSON-like copy of a value (x- keys dropped), for settings kept opaque."""
    value = node.value
    if isinstance(value, dict):
        return {str(k): plain(node.child(str(k), v)) for k, v in value.items() if not str(k).startswith("x-")}
    if isinstance(value, list):
        return [plain(node.child(i, v)) for i, v in enumerate(value)]
    return value


def _opaque_mapping(node: Node) -> Any:
    return plain(node) if node.mapping() is not None else None


def _limits(node: Node) -> ResourceLimits | None:
    values = fields(node, {"cpus": _cpus, "memory": Node.size, "pids": lambda n: n.integer(minimum=-1)})
    return ResourceLimits(**values) if values is not None else None


_DEVICE_REQUEST_ORDER = ("capabilities", "driver", "count", "device_ids", "options")  # as Compose prints them


def _option_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if isinstance(value, (int, float)) else value


def device_requests(node: Node, need_capabilities: bool = True) -> Any:
    """GPU and other device requests, kept opaque in Compose's key order; `count: all` is -1."""
    requests = plain(node)
    if not isinstance(requests, list):
        node.wrong_type("a list")
        return None
    order = {key: index for index, key in enumerate(_DEVICE_REQUEST_ORDER)}
    result = []
    for index, request in enumerate(requests):
        if not isinstance(request, dict):
            node.child(index, request).wrong_type("a mapping")
            return None
        if need_capabilities and "capabilities" not in request:
            node.child(index, request).error("missing property 'capabilities'", "add capabilities: [gpu]")
            return None
        count = request.get("count")
        if count == "all":
            request["count"] = -1
        elif isinstance(count, str) and count.lstrip("-").isdigit():
            request["count"] = int(count)  # Compose reads "2" as the number 2
        if isinstance(request.get("options"), dict):  # a string mapping to Compose
            request["options"] = {k: _option_text(v) for k, v in request["options"].items()}
        result.append(dict(sorted(request.items(), key=lambda kv: order.get(kv[0], len(order)))))
    return result


def _reservations(node: Node) -> ResourceReservations | None:
    handlers = {"cpus": _cpus, "memory": Node.size, "devices": device_requests, "generic_resources": lambda n: plain(n) if n.items() is not None else None}
    values = fields(node, handlers)
    return ResourceReservations(**values) if values is not None else None


def _cpus(node: Node) -> float | None:
    value = node.number()
    if value is not None and value < 0:
        node.error(f"{value} CPUs is negative", "use a number like 0.5 or 2")
        return None
    return value


def _resources(node: Node) -> Resources | None:
    values = fields(node, {"limits": _limits, "reservations": _reservations})
    return Resources(**values) if values is not None else None


def _restart_policy(node: Node) -> RestartPolicy | None:
    handlers = {
        "condition": lambda n: n.one_of(("none", "on-failure", "any")),
        "delay": Node.duration,
        "max_attempts": lambda n: n.integer(minimum=0),
        "window": Node.duration,
    }
    values = fields(node, handlers)
    return RestartPolicy(**values) if values is not None else None


_DEPLOY = {
    "mode": Node.string,  # swarm only: any string, as Compose
    "replicas": lambda n: n.integer(minimum=0),
    "labels": Node.string_mapping,
    "resources": _resources,
    "restart_policy": _restart_policy,
    "endpoint_mode": Node.string,  # swarm only: any string, as Compose
    "update_config": _opaque_mapping,
    "rollback_config": _opaque_mapping,
    "placement": _opaque_mapping,
}


def deploy(node: Node) -> Deploy | None:
    values = fields(node, _DEPLOY)
    return Deploy(**values) if values is not None else None
