"""The plans of the verbs that act on existing containers (pure): `down`, and `start`,
`stop`, `restart`, `kill`, `rm`, `pause`, `unpause`.

Containers go in stages, one per stop generation (plan/order.py: orphans first, then
dependents before what they depend on; reversed for start and unpause). A stage's
containers go in parallel; the next stage starts when it has ended, whatever failed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from composer.config.model import Project
from composer.plan import actions as act
from composer.plan.order import stop_order

RUNNING = ("running", "paused", "restarting")


@dataclass(frozen=True)
class DownOptions:
    volumes: bool = False
    remove_orphans: bool = False
    rmi: str | None = None  # "local" | "all"


@dataclass(frozen=True)
class Teardown:
    """What `down` is given of the host: the project's containers and the stop order `up`
    remembered, its proxies, networks and volumes there now, and which images are in the store."""

    containers: tuple = ()
    remembered: list[list[str]] | None = None
    proxies: tuple[tuple[str, str], ...] = ()
    networks: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    images: frozenset[str] = frozenset()


def plan_down(project: Project, seen: Teardown, options: DownOptions) -> act.Plan:
    actions: list[act.Action] = []
    for stage, group in enumerate(stop_order(project, seen.containers, seen.remembered)):
        for state in group:
            if state.service not in project.services and not options.remove_orphans:
                actions.append(act.KeepOrphan(name=state.name, during="down"))
            else:
                actions.append(act.RemoveExisting(service=state.service, name=state.name, running=state.status in RUNNING, stage=stage))
    actions.append(act.StopProxies(proxies=tuple(seen.proxies)))
    actions.append(act.RemoveNetworks(names=tuple(seen.networks)))
    if options.volumes:
        actions.append(act.RemoveVolumes(names=tuple(seen.volumes)))
    actions += [act.RemoveImage(ref=ref) for ref in image_refs(project, options.rmi) if ref in seen.images]
    return act.Plan(tuple(actions))


def image_refs(project: Project, which: str | None) -> list[str]:
    """`down --rmi`: all the services' images, or (`local`) those without a custom tag."""
    if not which:
        return []
    return [s.image or f"{project.name}-{s.name}" for s in project.services.values() if not (which == "local" and s.image)]


def plan_containers(project: Project, states: Iterable, remembered: list[list[str]] | None, verb: str,
                    applies_to: tuple[str, ...] | None, start_order: bool = False) -> act.Plan:
    """One `verb` per container whose status is in `applies_to` (None: any), in stop order
    (start order for start and unpause)."""
    groups = stop_order(project, states, remembered)
    if start_order:
        groups = list(reversed(groups))
    actions = [
        act.ContainerVerb(verb=verb, name=state.name, stage=stage)
        for stage, group in enumerate(groups)
        for state in group
        if applies_to is None or state.status in applies_to
    ]
    return act.Plan(tuple(actions))


def stages(actions: Iterable) -> list[list]:
    """The actions grouped by their `stage`, in order."""
    found: dict[int, list] = {}
    for action in actions:
        found.setdefault(action.stage, []).append(action)
    return [found[stage] for stage in sorted(found)]
