"""Top-level networks, volumes, secrets and configs → Network, Volume, ProjectFile.

Real names follow Compose: `name:` if given, else the key when external, else
`<project>_<key>`.
"""

from __future__ import annotations

from typing import Any

from composer.config.fields_common import Context, Node, fields
from composer.config.model import Ipam, IpamPool, Network, ProjectFile, Volume


def _external(node: Node) -> tuple[bool, str | None] | None:
    """`external: true`, or the legacy `external: {name: x}` (→ True and name x)."""
    if isinstance(node.value, dict):
        entries = node.mapping(("name",))
        name = entries["name"].string() if entries and "name" in entries else None
        return True, name
    flag = node.boolean()
    return None if flag is None else (flag, None)


def _ipam_pool(node: Node) -> IpamPool | None:
    handlers = {"subnet": Node.string, "gateway": Node.string, "ip_range": Node.string, "aux_addresses": Node.string_mapping}
    values = fields(node, handlers)
    return IpamPool(**values) if values is not None else None


def _ipam(node: Node) -> Ipam | None:
    handlers = {"driver": Node.string, "config": lambda n: n.each(_ipam_pool), "options": Node.string_mapping}
    values = fields(node, handlers)
    return Ipam(**values) if values is not None else None


_NETWORK = {
    "name": Node.string,
    "driver": Node.string,
    "driver_opts": Node.string_mapping,
    "ipam": _ipam,
    "external": _external,
    "internal": Node.boolean,
    "attachable": Node.boolean,
    "enable_ipv4": Node.boolean,
    "enable_ipv6": Node.boolean,
    "labels": Node.string_mapping,
}
_VOLUME = {
    "name": Node.string,
    "driver": Node.string,
    "driver_opts": Node.string_mapping,
    "external": _external,
    "labels": Node.string_mapping,
}
_VOLUME_NOT_EXTERNAL = ("driver", "driver_opts", "labels")  # Compose accepts these on an external network, not volume


def _resource(node: Node, handlers: dict, context: Context, not_external: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The common part of networks and volumes: fields, external, and the real name."""
    values = fields(node, handlers) if node.value is not None else {}
    if values is None:
        return None
    external, legacy_name = values.pop("external", (False, None))
    if external:
        for key in not_external:
            if key in values:
                node.child(key, None).error(f'conflicting parameters "external" and "{key}" specified', f"remove {key}: an external resource is not created by composer")
                return None
    if legacy_name is not None and values.get("name") not in (None, legacy_name):
        node.error("name and external.name conflict; only use name", "remove external.name")
        return None
    name = values.get("name") or legacy_name or (node.name if external else f"{context.project_name}_{node.name}")
    return {**values, "key": node.name, "name": name, "external": external, "name_blank": values.get("name") == ""}


def build_network(node: Node, context: Context) -> Network | None:
    values = _resource(node, _NETWORK, context)
    return Network(**values) if values is not None else None


def build_volume(node: Node, context: Context) -> Volume | None:
    values = _resource(node, _VOLUME, context, _VOLUME_NOT_EXTERNAL)
    return Volume(**values) if values is not None else None


def build_project_file(node: Node, context: Context, kind: str) -> ProjectFile | None:
    """A top-level secret (kind 'secret') or config (kind 'config')."""
    handlers = {
        "name": Node.string,
        "file": lambda n: context.host_path(n.value) if isinstance(n.value, str) else n.string(),
        "environment": Node.string,
        "external": _external,
        "labels": Node.string_mapping,
        "driver": Node.string,
        "driver_opts": lambda n: n.string_mapping() and None,  # swarm only; accepted
        "template_driver": Node.string,
    }
    if kind == "config":
        handlers["content"] = Node.string
    values = fields(node, handlers) if node.value is not None else {}
    if values is None:
        return None
    external, legacy_name = values.pop("external", (False, None))
    sources = [key for key in ("file", "environment", "content") if key in values]
    if not external and len(sources) != 1:
        choices = "file, environment or content" if kind == "config" else "file or environment"
        what = "sets more than one of" if sources else "needs one of"
        node.error(f"{kind} {node.name!r} {what} {choices}", f"or mark it external: true")
        return None
    name = values.get("name") or legacy_name or (node.name if external else f"{context.project_name}_{node.name}")
    return ProjectFile(**{**values, "key": node.name, "name": name, "external": external})
