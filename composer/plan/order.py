"""The order containers stop in (reversed, the order they start in), from the dependency graph
or from the generations `up` remembered for the same edges (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from composer.config.model import Project
from composer.plan.service import ContainerState


def stop_order(project: Project, states: Iterable[ContainerState], remembered: list[list[str]] | None = None) -> list[list[ContainerState]]:
    """Containers grouped by stop generation; orphans (unknown services) go first.
    `remembered`: the generations `up` recorded for these edges (else the graph decides)."""
    states = list(states)
    generations = remembered
    if generations is None:
        from composer.plan import graph as dependency_graph  # networkx (~0.12 s): only when nothing is remembered

        generations = dependency_graph.stop_generations(dependency_graph.build_graph(project))
    nodes = {name for generation in generations for name in generation}
    groups = [[s for s in states if s.service not in nodes]]
    for generation in generations:
        members = set(generation)
        groups.append([s for s in states if s.service in members])
    return [group for group in groups if group]
