"""The stop order `up` computed, remembered so `down` need not import networkx.

`up` records the generations its graph gave, keyed by the edges they came from
(plan/edges.ordering_key); `down` replays them when its project has the same edges,
else it builds the graph, as before.
"""

from __future__ import annotations

import json

from composer.atomic import write_atomically
from composer.config.model import Project
from composer.drivers.runc import records
from composer.plan.edges import ordering_key

STOP_ORDER_FILE = "stop-order.json"


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
