"""`up` and `down` of a stack: what `docker stack deploy` does, plus the ordering and waits it lacks.

up: refuse what Swarm would drop (dropped.py) unless allowed; networks, secrets and
configs; images (built and pushed where the service builds); then one executor task per
service in dependency order: wait until each dependency's tasks meet its depends_on
condition (executor/conditions.py, the same Waiting/Healthy words as the runc driver),
then create the service, update it in place when its spec hash changed, or leave it alone.
down: remove the services, wait until their tasks' containers are gone on this node,
then the networks, secrets and configs (and with -v the volumes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from composer.config.model import Project
from composer.drivers.protocol import Reporter, StackOptions
from composer.drivers.swarm import dropped, images, names, objects
from composer.drivers.swarm.client import api_errors, has_ipvs, is_not_found
from composer.drivers.swarm.spec import StackContext, service_spec
from composer.errors import ComposerError
from composer.executor.conditions import COMPLETED, ConditionFailed, wait_for
from composer.executor.tasks import Status, parallel_limit, run_tasks

NO_IPVS = "this kernel has no IPVS: services use endpoint_mode dnsrr and publish their ports in host mode"
DRAIN_SECONDS = 60.0  # how long `down` waits for the tasks' containers to go before removing networks


@dataclass
class StackResult:
    deployed: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # service → one line
    said: dict[str, list[str]] = field(default_factory=dict)  # service → Compose v2's own lines
    notes: list[str] = field(default_factory=list)  # printed as warnings (routing, dropped features when allowed)

    @property
    def ok(self) -> bool:
        return not self.failures


class DroppedFeatures(ComposerError):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(f"the swarm cannot express {len(lines)} setting(s) of this project", "pass --allow-dropped to deploy without them")
        self.features = lines

    def lines(self) -> list[str]:
        return [*self.features, self.one_line()]


def deploy(client, project: Project, options: StackOptions, reporter: Reporter, service_tasks) -> StackResult:
    """service_tasks(project, service) → ContainerStates of the service's tasks (driver.containers)."""
    from composer.plan import graph as dependency_graph  # networkx: only when something is deployed

    graph = dependency_graph.build_graph(project)
    chosen = dependency_graph.select(graph, options.services, with_dependencies=not options.no_deps)
    services = [n for n in project.services if n in chosen]
    result = StackResult()
    lost = dropped.dropped_features(project, services)
    if lost and not options.allow_dropped:
        raise DroppedFeatures(lost)
    result.notes += [f"dropped: {line}" for line in lost]
    if project.ambassadors:
        result.notes.append("ambassadors are not deployed by the swarm driver yet: " + ", ".join(sorted(project.ambassadors)))
    ipvs = has_ipvs()
    if not ipvs:
        result.notes.append(NO_IPVS)
    report = reporter.status
    context = StackContext(
        project=project.name,
        networks=objects.ensure_networks(client, project, [k for n in services for k in project.services[n].networks], report),
        secrets=objects.ensure_files(client, project, "secret", report),
        configs=objects.ensure_files(client, project, "config", report),
        volumes={key: volume.name for key, volume in project.volumes.items()},
        endpoint_mode="vip" if ipvs else "dnsrr",
        one_shot=frozenset(d for n in services for d, dep in project.services[n].depends_on.items() if dep.condition == COMPLETED),
    )
    refs = images.image_refs(client, project, services, images.registry_of(project, options.registry), options.build, report)
    deployed = {s["Spec"]["Name"]: s for s in client.api.services(filters=names.namespace_filter(project.name))}
    _orphans(client, project, deployed, options.remove_orphans, report)
    tasks: dict[str, Callable[[], None]] = {}
    for name in services:
        tasks[name] = _service_task(client, project, name, graph, chosen, refs[name], context, deployed, reporter, service_tasks)
    ordering = dependency_graph.ordering_view(graph)
    depends = {name: [d for d in ordering.successors(name) if d in tasks] for name in tasks}
    for event in run_tasks(tasks, depends, parallel_limit()):
        key = str(event.key)
        if event.status is Status.DONE:
            result.deployed.append(key)
        elif event.status is Status.FAILED:
            detail = event.detail
            message = detail.one_line() if isinstance(detail, ComposerError) else f"{type(detail).__name__}: {detail}"
            result.failures[key] = message
            if isinstance(detail, ConditionFailed):
                result.said[key] = detail.lines()
            else:
                reporter.status("Service", key, f"Error: {message}")
        elif event.status is Status.SKIPPED:
            result.failures[key] = f"not deployed: dependency {event.detail.upstream} failed"
            reporter.status("Service", key, f"Skipped: dependency {event.detail.upstream} failed")
    if result.ok and set(services) == set(project.services):
        in_use = {entry[0] for entry in (*context.secrets.values(), *context.configs.values())}
        objects.remove_unused_files(client, project.name, in_use, report)
    return result


def _service_task(client, project, name, graph, chosen, image, context, deployed, reporter, service_tasks):
    def run() -> None:
        _wait_for_dependencies(project, name, graph, chosen, reporter, service_tasks)
        spec = service_spec(project, project.services[name], image, context)
        current = deployed.get(spec["Name"])
        arguments = {"task_template": spec["TaskTemplate"], "name": spec["Name"], "labels": spec["Labels"], "mode": spec["Mode"],
                     "endpoint_spec": spec["EndpointSpec"], "update_config": spec.get("UpdateConfig"),
                     "rollback_config": spec.get("RollbackConfig")}
        if current is None:
            with api_errors(f"service {spec['Name']}"):
                client.api.create_service(**arguments)
            reporter.status("Service", spec["Name"], "Created")
            return
        if current["Spec"].get("Labels", {}).get(names.SPEC_HASH) == spec["Labels"][names.SPEC_HASH]:
            reporter.status("Service", spec["Name"], "Running")
        elif spec["TaskTemplate"]["RestartPolicy"].get("Condition") == "none":
            # Swarm's updater leaves a finished task alone: a run-to-completion service
            # would never run its new spec, so it is made anew (and runs once more)
            with api_errors(f"service {spec['Name']}"):
                client.api.remove_service(current["ID"])
                client.api.create_service(**arguments)
            reporter.status("Service", spec["Name"], "Recreated")
        else:
            with api_errors(f"service {spec['Name']}"):
                client.api.update_service(current["ID"], current["Version"]["Index"], **arguments)
            reporter.status("Service", spec["Name"], "Updated")

    return run


def _wait_for_dependencies(project, name, graph, chosen, reporter, service_tasks) -> None:
    from composer.plan import graph as dependency_graph

    def report(task: str, text: str) -> None:
        reporter.status("Task", task, text)

    for dependency, needs in dependency_graph.dependencies(graph, name).items():
        if dependency not in chosen or dependency not in project.services:
            continue
        try:
            wait_for(lambda d=dependency: service_tasks(project, d), needs.condition, report=report)
        except ConditionFailed as exc:
            if needs.condition == COMPLETED:
                raise
            raise ConditionFailed(f"dependency failed to start: {exc.message}", exc.details) from None


def _orphans(client, project: Project, deployed: dict, remove: bool, report) -> None:
    for service_name, service in deployed.items():
        compose_name = service["Spec"].get("TaskTemplate", {}).get("ContainerSpec", {}).get("Labels", {}).get(names.SERVICE)
        if compose_name in project.services:
            continue
        if remove:
            with api_errors(f"remove service {service_name}"):
                client.api.remove_service(service["ID"])
            report("Service", service_name, "Removed")
        else:
            report("Service", service_name, "Orphan: its service is no longer in the compose files (use --remove-orphans)")


def remove(client, project: str, reporter: Reporter, volumes: bool = False) -> None:
    """The stack's services, then (once their containers are gone here) networks, secrets, configs."""
    report = reporter.status
    for service in client.api.services(filters=names.namespace_filter(project)):
        with api_errors(f"remove service {service['Spec']['Name']}"):
            try:
                client.api.remove_service(service["ID"])
            except Exception as exc:
                if not is_not_found(exc):  # gone meanwhile is what was asked
                    raise
        report("Service", service["Spec"]["Name"], "Removed")
    _drain(client, project)
    objects.remove_unused_files(client, project, set(), report)
    objects.remove_labelled(client.networks, "Network", project, report)
    if volumes:
        objects.remove_labelled(client.volumes, "Volume", project, report)


def _drain(client, project: str) -> None:
    """Until no container of the stack is left on this node (bounded): a network with
    endpoints, or a secret in use, cannot be removed."""
    deadline = time.monotonic() + DRAIN_SECONDS
    label = {"label": [f"{names.NAMESPACE}={project}"]}
    while client.api.containers(all=True, filters=label) and time.monotonic() < deadline:
        time.sleep(0.2)
