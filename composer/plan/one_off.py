"""`plan_one_off(project, service, observed) -> Plan`: what `compose run` does for its own
container, decided once; pure. Its dependencies are `up`'s Plan (the CLI asks `up` first).

As Compose v2 on a project never brought up: the one-off's networks and named volumes are
made, its image found, pulled or built, its spec bound, its published ports (-p,
--service-ports) checked free, the container created and started, then published.
"""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.plan import actions as act
from composer.plan.networks import network_keys
from composer.plan.observed import Observed
from composer.plan.service import container_name


def plan_one_off(project: Project, service: Service, observed: Observed, use_aliases: bool = False) -> act.Plan:
    unit = service.name
    seen = observed.images[service.name]
    actions: list[act.Action] = [
        act.CreateNetworks(keys=tuple(network_keys(project, [service], {service.name})), names=observed.missing_networks, refused=observed.network_problem),
        *(act.CreateVolume(name=name) for name in observed.missing_volumes),
        act.EnsureImage(service=service.name, ref=seen.ref, how=seen.how, refused=seen.refused, unit=unit),
        act.BindSpecs(service=service.name, replicas=1, unit=unit),
    ]
    if service.ports:
        actions.append(act.CheckPortsFree(unit=unit))
    actions.append(act.CreateOneOff(service=service.name, name=container_name(project, service, 1), number=1, reason="compose run", use_aliases=use_aliases, unit=unit))
    if service.ports:  # once it runs: a published port forwards to running containers only
        actions.append(act.PublishPorts())
    return act.Plan(tuple(actions), {unit: ()})
