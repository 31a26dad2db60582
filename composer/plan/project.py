"""`plan_up(project, observed, options) -> Plan`: everything `up` (and `create`) will do, once,
for the whole project; pure (the model, the snapshot, the options; no I/O).

The actions come in the order --dry-run reports them: project-wide steps (orphans,
networks, ports, volumes, images), then each service and ambassador in start
generations (sorted within one), then publishing. A service's unit is its waits
(depends_on conditions), the binding of its specs, and one step per replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from composer.config.model import Project
from composer.plan import actions as act
from composer.plan.networks import network_keys
from composer.plan.observed import Observed
from composer.plan.options import UpOptions
from composer.plan.service import Step, container_name, decide, orphans, without_spec

STEP_ACTIONS = {
    Step.CREATE: act.CreateContainer,
    Step.RECREATE: act.RecreateContainer,
    Step.START: act.StartContainer,
    Step.KEEP: act.KeepContainer,
    Step.REMOVE: act.RemoveContainer,
}
ACTION_STEPS = {kind: step for step, kind in STEP_ACTIONS.items()}


@dataclass(frozen=True)
class Selection:
    """The dependency graph and the nodes this `up` acts on (named ones and, unless
    --no-deps, all they need). Observing needs it too: specs depend on what is chosen."""

    graph: Any  # networkx.DiGraph (plan/graph.py)
    chosen: frozenset[str]

    def services(self, project: Project) -> list[str]:
        return sorted(n for n in self.chosen if n in project.services)


def select(project: Project, options: UpOptions) -> Selection:
    from composer.plan import graph as dependency_graph  # networkx (~0.12 s): the no-op `up -d` answers without it

    graph = dependency_graph.build_graph(project)
    return Selection(graph, frozenset(dependency_graph.select(graph, options.services, with_dependencies=not options.no_deps)))


def plan_up(project: Project, observed: Observed, options: UpOptions, selection: Selection) -> act.Plan:
    from composer.plan import graph as dependency_graph  # networkx: loaded by select() already

    graph, chosen = selection.graph, set(selection.chosen)
    actions: list[act.Action] = [act.BeginUp(stop_generations=tuple(tuple(g) for g in dependency_graph.stop_generations(graph)))]
    for name in orphans(observed.containers, project.services):
        actions.append(act.RemoveOrphan(name=name) if options.remove_orphans else act.KeepOrphan(name=name, during="up"))
    services = [project.services[n] for n in selection.services(project)]
    actions.append(act.CreateNetworks(keys=tuple(network_keys(project, services, chosen)), names=tuple(observed.missing_networks), refused=observed.network_problem))
    actions.append(act.CheckPortsFree())
    actions += [act.CreateVolume(name=name) for name in observed.missing_volumes]
    for service in services:
        seen = observed.images[service.name]
        actions.append(act.EnsureImage(service=service.name, ref=seen.ref, how=seen.how, refused=seen.refused, unit=service.name))
    ordering = dependency_graph.ordering_view(graph)
    needs: dict[str, tuple[str, ...]] = {}
    last: dict[str, str] = {}  # unit → the id of its last action
    for generation in dependency_graph.start_generations(graph, chosen):
        for name in generation:
            needs[name] = tuple(d for d in ordering.successors(name) if d in chosen)
            after = tuple(last[d] for d in needs[name] if d in last)
            if name in project.ambassadors:
                unit = [act.StartAmbassador(name=name, running=name in observed.ambassadors_running, unit=name, after=after)]
            else:  # a unit ends at its first failed action: a refused image ends it there
                unit = _service_unit(project, name, observed, options, dependency_graph.dependencies(graph, name), chosen, after)
            actions += unit
            last[name] = unit[-1].id
    actions.append(act.PublishPorts())
    if _converges_everything(project, options, chosen):
        actions.append(act.RecordConverged())
    return act.Plan(tuple(actions), needs)


def _service_unit(project: Project, name: str, observed: Observed, options: UpOptions, waits_for: dict, chosen: set[str], after: tuple[str, ...]) -> list[act.Action]:
    service = project.services[name]
    unit: list[act.Action] = []
    for dependency, needs in waits_for.items():
        if dependency in chosen and dependency in project.services:
            unit.append(act.WaitCondition(service=name, dependency=dependency, condition=needs.condition, unit=name, after=after))
    replicas = options.replicas(service)
    hashes = observed.spec_hashes.get(name) if observed.images[name].present else None
    problem = hashes if isinstance(hashes, str) else ""
    bind = act.BindSpecs(service=name, replicas=replicas, problem=problem, unit=name, after=after + tuple(a.id for a in unit))
    unit.append(bind)
    current = {state.name: state for state in observed.replicas_of(name)}
    for number in range(1, replicas + 1):
        replica = container_name(project, service, number)
        state = current.pop(replica, None)
        decided_on = hashes[number - 1] if isinstance(hashes, tuple) else None
        step, reason = without_spec(state) if decided_on is None else decide(decided_on, state, options.strategy)
        unit.append(STEP_ACTIONS[step](service=name, name=replica, number=number, decided_on=decided_on, reason=reason, unit=name, after=(bind.id,)))
    for replica in sorted(current):
        unit.append(act.RemoveContainer(service=name, name=replica, reason="beyond the wanted scale", unit=name, after=(bind.id,)))
    return unit


def _converges_everything(project: Project, options: UpOptions, chosen: set[str]) -> bool:
    """Does this `up` bring the whole project to the state a plain `up -d` wants?"""
    everything = set(project.services) | set(project.ambassadors)
    scaled = any(options.replicas(service) != service.replicas for service in project.services.values())
    return chosen >= everything and not scaled and not options.strategy.no_start
