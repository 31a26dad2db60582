"""The project's dependency graph: who must be up before whom.

Nodes are service and ambassador names (one namespace: an ambassador is reached by
name like a service), with attribute `kind` = "service" | "ambassador". An edge
A → B means "A needs B": it comes from depends_on (carrying its condition, restart and
required flags), links, volumes_from, network_mode: service:B, or an ambassador's
target service. Target edges are kept for `compose graph` and for recreate cascades
but do not order start-up: an ambassador starts in the first generation and holds new
connections (`retry`) until its target is up; that is the point of ambassadors.

Pure: Project → networkx.DiGraph. A cycle raises DependencyError naming its members.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from composer.config.model import Dependency, Project
from composer.errors import ComposeError, DependencyError, Location, Problem
from composer.plan.edges import ORDERING_KINDS, edges


def build_graph(project: Project) -> nx.DiGraph:
    graph = nx.DiGraph()
    for name in project.services:
        graph.add_node(name, kind="service")
    for name, ambassador in project.ambassadors.items():
        graph.add_node(name, kind="ambassador")
    for src, dst, kind, dependency in edges(project):
        _add_edge(graph, src, dst, kind, dependency)
    _refuse_cycles(graph, project)
    return graph


def _add_edge(graph: nx.DiGraph, src: str, dst: str, kind: str, dependency: Dependency | None = None) -> None:
    if dst not in graph:  # validation reports undefined names; a disabled optional one is skipped
        return
    data = graph.get_edge_data(src, dst) or {"kinds": frozenset(), "dependency": Dependency()}
    data = {"kinds": data["kinds"] | {kind}, "dependency": dependency or data["dependency"]}
    graph.add_edge(src, dst, **data)


def ordering_view(graph: nx.DiGraph) -> nx.DiGraph:
    """The edges that decide start order (everything but ambassador targets); built once."""
    if "ordering" not in graph.graph:
        ordering = nx.DiGraph()
        ordering.add_nodes_from(graph.nodes(data=True))
        ordering.add_edges_from((a, b, d) for a, b, d in graph.edges(data=True) if d["kinds"] & ORDERING_KINDS)
        graph.graph["ordering"] = ordering
    return graph.graph["ordering"]


def _refuse_cycles(graph: nx.DiGraph, project: Project) -> None:
    ordering = ordering_view(graph)
    if nx.is_directed_acyclic_graph(ordering):  # linear time; find_cycle only to name one
        return
    cycle = nx.find_cycle(ordering)
    names = [edge[0] for edge in cycle] + [cycle[0][0]]
    where = Location(project.compose_files[0] if project.compose_files else None, key_path=f"services.{names[0]}")
    raise DependencyError(
        Problem(where, f"dependency cycle: {' -> '.join(names)}", "remove one of these dependencies")
    )


def select(graph: nx.DiGraph, names: Iterable[str], with_dependencies: bool = True) -> set[str]:
    """The nodes to act on for `up NAME…`: the named ones and, unless --no-deps, all they need."""
    wanted = list(names)
    unknown = [name for name in wanted if name not in graph]
    if unknown:
        raise ComposeError(
            Problem(Location(), f"no such service: {', '.join(unknown)}", f"choose from {', '.join(sorted(graph))}")
        )
    if not wanted:
        return set(graph)
    chosen = set(wanted)
    if with_dependencies:
        for name in wanted:
            chosen |= nx.descendants(graph, name)
    return chosen


def start_generations(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> list[list[str]]:
    """Groups that can start together, in order: each needs only earlier groups."""
    view = ordering_view(graph)
    if nodes is not None:
        view = view.subgraph(set(nodes))
    return [sorted(generation) for generation in nx.topological_generations(view.reverse(copy=False))]


def stop_generations(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> list[list[str]]:
    return list(reversed(start_generations(graph, nodes)))


def dependencies(graph: nx.DiGraph, name: str) -> dict[str, Dependency]:
    """What `name` waits for before starting, with the condition to wait on."""
    view = ordering_view(graph)
    return {dep: graph[name][dep]["dependency"] for dep in view.successors(name)}


def dependents(graph: nx.DiGraph, name: str, restart_only: bool = False) -> set[str]:
    """Who needs `name` (directly); with restart_only, those whose depends_on says restart: true."""
    found = set()
    for who in graph.predecessors(name):
        dependency: Dependency = graph[who][name]["dependency"]
        if not restart_only or dependency.restart:
            found.add(who)
    return found


def to_text(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> list[str]:
    """`compose graph`: one line per generation, then the edges with their meaning."""
    lines = []
    for number, generation in enumerate(start_generations(graph, nodes), start=1):
        names = [f"{name} (ambassador)" if graph.nodes[name]["kind"] == "ambassador" else name for name in generation]
        lines.append(f"{number}: {', '.join(names)}")
    return lines


def to_dot(graph: nx.DiGraph, nodes: Iterable[str] | None = None) -> str:
    chosen = set(graph) if nodes is None else set(nodes)
    out = ["digraph compose {", "  rankdir=BT;"]
    for name in sorted(chosen):
        shape = "diamond" if graph.nodes[name]["kind"] == "ambassador" else "box"
        out.append(f'  "{name}" [shape={shape}];')
    for src, dst, data in sorted(graph.edges(data=True)):
        if src in chosen and dst in chosen:
            label = ",".join(sorted(data["kinds"]))
            if "depends_on" in data["kinds"] and data["dependency"].condition != "service_started":
                label += f"\\n{data['dependency'].condition}"
            style = ' style="dashed"' if data["kinds"] == {"target"} else ""
            out.append(f'  "{src}" -> "{dst}" [label="{label}"{style}];')
    out.append("}")
    return "\n".join(out)
