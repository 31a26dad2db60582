"""Which services profiles turn on.

A service without profiles is always active; one with profiles is active when one of
them is enabled (--profile / COMPOSE_PROFILES; `*` enables all) or when it is named on
the command line, which also enables its profiles for the other services.
"""

from __future__ import annotations

from dataclasses import dataclass

from composer.config.fields_common import Node, did_you_mean
from composer.errors import Location, Problem


@dataclass(frozen=True)
class Selection:
    active: list[str]  # sorted
    disabled: dict[str, tuple[str, ...]]  # inactive service → its profiles
    all_profiles: tuple[str, ...]  # every profile a service declares, sorted
    active_profiles: tuple[str, ...]  # the enabled ones, sorted


def _declared_profiles(node: Node) -> tuple[str, ...]:
    raw = node.value.get("profiles") if isinstance(node.value, dict) else None
    return tuple(p for p in raw if isinstance(p, str)) if isinstance(raw, list) else ()


def select_services(service_nodes: dict[str, Node], profiles: tuple[str, ...], requested: tuple[str, ...], root: Node) -> Selection:
    declared = {name: _declared_profiles(node) for name, node in service_nodes.items()}
    all_profiles = tuple(sorted({p for names in declared.values() for p in names}))
    for name in requested:
        if name not in service_nodes:
            hint = did_you_mean(name, service_nodes) or f"the services are: {', '.join(sorted(service_nodes)) or 'none'}"
            root.problems.append(Problem(Location(key_path=f"services.{name}"), f"no such service: {name!r}", hint))
    enabled = set(all_profiles) if "*" in profiles else set(profiles)
    for name in requested:
        enabled.update(declared.get(name, ()))
    active, disabled = [], {}
    for name, names in sorted(declared.items()):
        if not names or name in requested or enabled & set(names):
            active.append(name)
        else:
            disabled[name] = names
    return Selection(active, disabled, all_profiles, tuple(sorted(enabled & set(all_profiles) | (set(profiles) - {"*"}))))
