"""Assembled → Project: the second half of loading.

Builds every section with the fields_* handlers, keeps the services the active profiles
select, checks references (validate_refs), adds the default network, and drops
resources no service uses, as Compose does. Every problem found on the way is
collected; if there are any, one ComposeError carries them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from composer.config.ambassadors import build_ambassador
from composer.config.assembled import Assembled
from composer.config.fields_common import Context, Node
from composer.config.fields_printed import sorted_plain
from composer.config.fields_service import build_service
from composer.config.fields_toplevel import build_network, build_project_file, build_volume
from composer.config.model import Ambassador, Network, Project, ProjectFile, Service, Volume
from composer.config.source import NO_MARK
from composer.config.validate_profiles import Selection, select_services
from composer.config.validate_refs import Names, check_ambassador, check_service
from composer.errors import ComposeError, Problem

T = TypeVar("T")

TOP_LEVEL_KEYS = ("version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "ambassadors", "models")
AMBASSADOR_SECTIONS = ("ambassadors", "x-ambassadors")  # x- so Docker Compose ignores it in shared files
DEFAULT_NETWORK = "default"


@dataclass
class _Resources:
    """The top-level networks, volumes, secrets and configs, and every key declared."""

    networks: dict[str, Network] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    secrets: dict[str, ProjectFile] = field(default_factory=dict)
    configs: dict[str, ProjectFile] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    declared: dict[str, set[str]] = field(default_factory=dict)  # includes entries with problems


def build_project(assembled: Assembled) -> Project:
    """Validate and normalize the assembled data. Raises ComposeError listing every problem."""
    problems: list[Problem] = []
    warnings = list(assembled.warnings)
    root = Node(assembled.data, (), getattr(assembled.data, "mark", NO_MARK), problems, warnings)
    context = Context(assembled.project_name, str(assembled.project_dir), dict(assembled.environment))
    sections = root.mapping(TOP_LEVEL_KEYS) or {}
    _warn_ignored(sections)
    resources = _build_resources(sections, context)
    service_nodes = _service_nodes(sections.get("services"))
    selection = select_services(service_nodes, assembled.active_profiles, assembled.requested_services, root)
    active = set(selection.active)  # Compose reads no env_file of a service its profiles disable
    all_services = {name: build_service(node, context, read_env_files=name in active) for name, node in service_nodes.items()}
    ambassador_nodes = _ambassador_nodes(root)
    ambassadors = {name: build_ambassador(node, set(service_nodes)) for name, node in ambassador_nodes.items()}
    if DEFAULT_NETWORK not in resources.networks and _uses_default_network(selection.active, all_services, ambassadors):
        resources.networks[DEFAULT_NETWORK] = Network(key=DEFAULT_NETWORK, name=f"{context.project_name}_{DEFAULT_NETWORK}")
    names = _names(resources, selection, ambassador_nodes)
    services = _active_services(all_services, selection.active, service_nodes, names)
    checked_ambassadors = _checked_ambassadors(ambassadors, ambassador_nodes, names)
    if problems:
        raise ComposeError(problems)
    return _project(assembled, resources, services, checked_ambassadors, selection, warnings)


_PLAIN_KEYS = ("volumes", "secrets", "configs")
_PLAIN_KEY = re.compile(r"[a-zA-Z0-9._-]+")


def _build_resources(sections: dict[str, Node], context: Context) -> _Resources:
    resources = _Resources()

    def section(key: str, build: Callable[[Node], T | None]) -> dict[str, T]:
        node = sections.get(key)
        entries = (node.mapping() if node is not None and node.value is not None else {}) or {}
        resources.declared[key] = set(entries)  # a bad name below is still declared: one problem, not two
        if key in _PLAIN_KEYS:  # Compose's schema: these keys are names, never paths
            for name in [name for name in entries if not _PLAIN_KEY.fullmatch(name)]:
                entries.pop(name).error(f"{name!r} is not a valid {key[:-1]} name", "use letters, digits, '.', '_' and '-'")
        built = {name: build(child) for name, child in sorted(entries.items())}
        return {name: value for name, value in built.items() if value is not None}

    resources.networks = section("networks", lambda n: build_network(n, context))
    resources.volumes = section("volumes", lambda n: build_volume(n, context))
    resources.secrets = section("secrets", lambda n: build_project_file(n, context, "secret"))
    resources.configs = section("configs", lambda n: build_project_file(n, context, "config"))
    resources.models = section("models", lambda n: sorted_plain(n.value) if n.value is not None else {})  # composer runs none; printed
    return resources


def _warn_ignored(sections: dict[str, Node]) -> None:
    if "version" in sections:
        sections["version"].warn("the attribute `version` is obsolete and ignored; remove it")
    if "models" in sections:
        sections["models"].warn("not supported by composer; ignored")


def _service_nodes(node: Node | None) -> dict[str, Node]:
    if node is None or node.value is None:
        return {}
    if not isinstance(node.value, dict):
        node.wrong_type("a mapping")
        return {}
    result = {}
    for name, value in sorted(node.value.items()):  # an x- key names a service here too, as in Compose
        child = node.child(name, value)
        if not name or not all(c.isalnum() or c in "._-" for c in name) or not name[0].isalnum():
            child.error(f"{name!r} is not a valid service name", "use letters, digits, '.', '_', '-', starting with a letter or digit")
            continue
        result[name] = child
    return result


def _ambassador_nodes(root: Node) -> dict[str, Node]:
    """Entries of `ambassadors:` and `x-ambassadors:`; a name in both is a problem."""
    data = root.value if isinstance(root.value, dict) else {}
    result: dict[str, Node] = {}
    for key in AMBASSADOR_SECTIONS:
        if data.get(key) is None:
            continue
        for name, child in (root.child(key, data[key]).mapping() or {}).items():
            if name in result:
                child.error(f"ambassador {name!r} is defined twice", "keep one of ambassadors: / x-ambassadors:")
                continue
            result[name] = child
    return dict(sorted(result.items()))


def _uses_default_network(active: list[str], services: dict[str, Service | None], ambassadors: dict[str, Ambassador | None]) -> bool:
    """Whether an active service or an ambassador joins `default`, by naming it or by naming none."""
    for name in active:
        service = services.get(name)
        if service is not None and (DEFAULT_NETWORK in service.networks or (not service.networks and service.network_mode is None and "provider" not in service.extras)):
            return True
    return any(a is not None and (not a.networks or DEFAULT_NETWORK in a.networks) for a in ambassadors.values())


def _names(resources: _Resources, selection: Selection, ambassador_nodes: dict[str, Node]) -> Names:
    return Names(
        services=set(selection.active),
        disabled=selection.disabled,
        ambassadors=set(ambassador_nodes),
        networks=set(resources.networks) | resources.declared["networks"],
        volumes=resources.declared["volumes"],
        secrets=resources.declared["secrets"],
        configs=resources.declared["configs"],
        models=resources.declared["models"],
    )


def _active_services(all_services: dict[str, Service | None], active: list[str], nodes: dict[str, Node], names: Names) -> dict[str, Service]:
    result = {}
    container_names: dict[str, str] = {}
    for name in active:
        service = all_services.get(name)
        if service is None:
            continue
        if not service.networks and service.network_mode is None and "provider" not in service.extras:
            service = replace(service, networks={DEFAULT_NETWORK: None})
        check_service(service, nodes[name], names)
        if service.container_name in container_names:
            other = container_names[service.container_name]
            nodes[name].child("container_name", service.container_name).error(f"container name {service.container_name!r} is already in use by service {other!r}", "container names must be unique: rename one")
        elif service.container_name:
            container_names[service.container_name] = name
        result[name] = service
    return result


def _checked_ambassadors(ambassadors: dict[str, Ambassador | None], nodes: dict[str, Node], names: Names) -> dict[str, Ambassador]:
    result = {}
    for name, ambassador in ambassadors.items():
        if ambassador is not None:
            check_ambassador(ambassador, nodes[name], names)
            result[name] = ambassador if ambassador.networks else replace(ambassador, networks=(DEFAULT_NETWORK,))
    return result


def _used_resources(services: dict[str, Service], ambassadors: dict[str, Ambassador]) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {"networks": set(), "volumes": set(), "secrets": set(), "configs": set(), "models": set()}
    for service in services.values():
        used["models"].update(service.extras.get("models") or ())
        used["networks"].update(service.networks)
        used["volumes"].update(m.source for m in service.volumes if m.type == "volume" and m.source)
        used["secrets"].update(r.source for r in service.secrets)
        used["secrets"].update(r.source for r in (service.build.secrets if service.build else ()))
        used["configs"].update(r.source for r in service.configs)
    for ambassador in ambassadors.values():
        used["networks"].update(ambassador.networks)
        used["volumes"].update(v for v in (ambassador.listen.volume, ambassador.target.volume) if v)
    return used


def _project(assembled: Assembled, resources: _Resources, services: dict[str, Service], ambassadors: dict[str, Ambassador], selection: Selection, warnings: list[str]) -> Project:
    used = _used_resources(services, ambassadors)

    def kept(kind: str, table: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in sorted(table.items()) if key in used[kind]}

    return Project(
        name=assembled.project_name,
        project_dir=assembled.project_dir,
        services=services,
        networks=kept("networks", resources.networks),
        volumes=kept("volumes", resources.volumes),
        secrets=kept("secrets", resources.secrets),
        configs=kept("configs", resources.configs),
        models=kept("models", resources.models),
        ambassadors=ambassadors,
        profiles=selection.all_profiles,
        active_profiles=selection.active_profiles,
        disabled_services=tuple(sorted(selection.disabled)),
        compose_files=tuple(assembled.files),
        environment=dict(assembled.environment),
        warnings=tuple(warnings),
        extensions=_extensions(assembled.data),
    )


def _extensions(data: Any) -> dict[str, Any]:
    """Top-level x-* keys as plain JSON-like values: Compose prints them back."""
    if not isinstance(data, dict):
        return {}
    return {key: sorted_plain(value) for key, value in data.items() if isinstance(key, str) and key.startswith("x-")}
