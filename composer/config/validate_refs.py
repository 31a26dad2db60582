"""Cross-references and conflicts between the parts of a project, checked after building them.

Every reference from an active service or ambassador must name something defined (and,
for services, active); a few settings exclude each other. Problems point at the
referring entry in the file. Cycles are the graph's business, not checked here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from composer.config.fields_common import Node, did_you_mean
from composer.config.model import Ambassador, Service


@dataclass
class Names:
    """What a reference may name: defined things, and the services turned off by profiles."""

    services: set[str]  # active
    disabled: dict[str, tuple[str, ...]]  # inactive service → its profiles
    ambassadors: set[str]
    networks: set[str]
    volumes: set[str]
    secrets: set[str]
    configs: set[str]
    models: set[str]


def locate(node: Node, key: str, item: str | None = None) -> Node:
    """The node of `key` in a raw service mapping, and of `item` in it when given.

    `item` matches a mapping key, a list string equal to it or starting with "item:",
    or a list mapping whose source is it. Falls back to the closest node found.
    """
    raw = node.value.get(key) if isinstance(node.value, dict) else None
    if raw is None:
        return node
    child = node.child(key, raw)
    if item is None:
        return child
    if isinstance(raw, dict):
        return child.child(item, raw[item]) if item in raw else child
    if isinstance(raw, list):
        for index, entry in enumerate(raw):
            name = entry.get("source") if isinstance(entry, dict) else str(entry)
            if name == item or (isinstance(name, str) and name.split(":")[0] == item):
                return child.child(index, entry)
    return child


def check_service(service: Service, node: Node, names: Names) -> None:
    _check_resources(service, node, names)
    _check_service_links(service, node, names)
    _check_conflicts(service, node)


def _undefined(node: Node, who: str, kind: str, name: str, defined: Iterable[str]) -> None:
    hint = did_you_mean(name, defined) or f"define it under top-level {kind}s:"
    node.error(f"{who} refers to undefined {kind} {name!r}", hint)


def _check_resources(service: Service, node: Node, names: Names) -> None:
    who = f"service {service.name!r}"
    for network in service.networks:
        if network not in names.networks:
            _undefined(locate(node, "networks", network), who, "network", network, names.networks)
    for mount in service.volumes:
        if mount.type == "volume" and mount.source and mount.source not in names.volumes:
            _undefined(locate(node, "volumes", mount.source), who, "volume", mount.source, names.volumes)
    for kind, references, defined in (("secret", service.secrets, names.secrets), ("config", service.configs, names.configs)):
        for reference in references:
            if reference.source not in defined:
                _undefined(locate(node, kind + "s", reference.source), who, kind, reference.source, defined)
    for reference in service.build.secrets if service.build else ():
        if reference.source not in names.secrets:
            _undefined(locate(node, "build"), who, "secret", reference.source, names.secrets)
    for model in service.extras.get("models") or ():
        if model not in names.models:
            _undefined(locate(node, "models", model), who, "model", model, names.models)


def check_service_reference(node: Node, who: str, target: str, names: Names, allow_ambassador: bool) -> bool:
    """Report `who` naming a service that is missing or disabled; True when it is fine."""
    if target in names.services or (allow_ambassador and target in names.ambassadors):
        return True
    if target in names.disabled:
        profiles = ", ".join(names.disabled[target])
        node.error(f"{who} depends on service {target!r}, which is disabled by its profiles ({profiles})", f"enable one with --profile, or remove the dependency")
        return False
    candidates = names.services | (names.ambassadors if allow_ambassador else set())
    node.error(f"{who} depends on undefined service {target!r}", did_you_mean(target, candidates) or "define the service, or fix the name")
    return False


def _check_service_links(service: Service, node: Node, names: Names) -> None:
    who = f"service {service.name!r}"
    written = raw_get(node.value, "depends_on") or ()
    for target, dependency in service.depends_on.items():
        if target not in written:  # implied by links, volumes_from, …: checked there
            continue
        if target in names.disabled and not dependency.required:
            continue  # an optional dependency on a disabled service stays, as in Compose
        check_service_reference(locate(node, "depends_on", target), who, target, names, allow_ambassador=True)
    for link in service.links:
        target = link.split(":")[0]
        check_service_reference(locate(node, "links", target), who, target, names, allow_ambassador=True)
    for source in service.volumes_from:
        if not source.startswith("container:"):
            target = source.split(":")[0]
            check_service_reference(locate(node, "volumes_from", target), who, target, names, allow_ambassador=False)
    for key in ("network_mode", "ipc", "pid"):
        mode = getattr(service, key) or ""
        if mode.startswith("service:"):
            check_service_reference(locate(node, key), who, mode[len("service:") :], names, allow_ambassador=False)


def _check_conflicts(service: Service, node: Node) -> None:
    who = f"service {service.name!r}"
    if service.network_mode is not None and service.networks:
        locate(node, "network_mode").error(f"{who} sets both network_mode and networks", "keep one of them")
    if service.network_mode == "host" and service.ports:
        locate(node, "ports").warn("published ports are discarded with network_mode: host (the service uses the host's ports directly)")
    deploy = service.deploy
    if service.container_name and service.replicas > 1:
        locate(node, "container_name").error(f"{who} sets container_name but runs {service.replicas} replicas", "container names must be unique: remove container_name or run one replica")
    platforms = service.build.platforms if service.build else ()
    if service.platform and platforms and service.platform not in platforms:
        locate(node, "platform").error(f"service.build.platforms MUST include service.platform {service.platform!r}", "add it to build.platforms, or change platform")
    limits = deploy.resources.limits if deploy and deploy.resources else None
    for field, limit_field in (("mem_limit", "memory"), ("cpus", "cpus")):
        own, limit = getattr(service, field), getattr(limits, limit_field, None)
        if own is not None and limit is not None and own != limit:
            locate(node, field).error(f"{who} sets {field} and deploy.resources.limits.{limit_field} to different values", "keep one of them")


def check_ambassador(ambassador: Ambassador, node: Node, names: Names) -> None:
    who = f"ambassador {ambassador.name!r}"
    if ambassador.name in names.services or ambassador.name in names.disabled:
        node.error(f"{who} has the name of a service", "services and ambassadors share one namespace: rename one")
    for network in ambassador.networks:
        if network not in names.networks:
            _undefined(locate(node, "networks", network), who, "network", network, names.networks)
    volume = ambassador.listen.volume or ambassador.target.volume
    if volume is not None and volume not in names.volumes:
        _undefined(node, who, "volume", volume, names.volumes)
    if ambassador.target_service is not None:
        check_service_reference(locate(node, "target"), who, ambassador.target_service, names, allow_ambassador=False)


def raw_get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None
