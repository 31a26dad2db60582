"""The project's dependency edges, and the stop order remembered from the graph built of them.

graph.py builds the networkx graph from these edges. `down` only needs the stop
generations, and importing networkx is ~0.12 s of a ~0.5 s `down`; so `up` records the
generations its graph gave, keyed by the edges they came from, and `down` replays them
when its project has the same edges (else it builds the graph, as before).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from composer import records
from composer.atomic import write_atomically
from composer.config.model import Dependency, Project

ORDERING_KINDS = frozenset({"depends_on", "links", "volumes_from", "network_mode"})
STOP_ORDER_FILE = "stop-order.json"

Edge = tuple[str, str, str, "Dependency | None"]  # (from, to, kind, depends_on's condition)


def edges(project: Project) -> Iterator[Edge]:
    """Every dependency the files state, in file order (names may be undefined: the graph skips those)."""
    for name, service in project.services.items():
        for dep, dependency in service.depends_on.items():
            yield name, dep, "depends_on", dependency
        for link in service.links:
            yield name, link.split(":", 1)[0], "links", None
        for source in service.volumes_from:
            if not source.startswith("container:"):
                yield name, source.split(":", 1)[0], "volumes_from", None
        if service.network_mode and service.network_mode.startswith("service:"):
            yield name, service.network_mode.split(":", 1)[1], "network_mode", None
    for name, ambassador in project.ambassadors.items():
        if ambassador.target_service:
            yield name, ambassador.target_service, "target", None


def ordering_key(project: Project) -> str:
    """What the stop order depends on: the nodes and the ordering edges between them."""
    nodes = sorted([*project.services, *project.ambassadors])
    known = set(nodes)
    ordering = sorted({(a, b) for a, b, kind, _ in edges(project) if kind in ORDERING_KINDS and b in known})
    return hashlib.sha256(json.dumps([nodes, ordering]).encode()).hexdigest()


def remember_stop_order(project: Project, generations: list[list[str]]) -> None:
    path = records.project_dir(project.name) / STOP_ORDER_FILE
    write_atomically(path, json.dumps({"key": ordering_key(project), "generations": generations}))


def remembered_stop_order(project: Project) -> list[list[str]] | None:
    """The generations recorded for exactly this project's edges, or None."""
    try:
        saved = json.loads((records.project_dir(project.name) / STOP_ORDER_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(saved, dict) or saved.get("key") != ordering_key(project):
        return None
    generations = saved.get("generations")
    return generations if isinstance(generations, list) else None
