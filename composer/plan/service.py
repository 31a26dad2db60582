"""What `up` must do to one service: a pure function of desired specs and observed state.

Drift is decided by the spec hash (ContainerSpec.spec_hash, kept by the runtime in the
container's record), the daemon-less stand-in for Compose's config-hash label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from composer.config.model import Project, Service


class ContainerSpec(Protocol):
    """What the plan needs of a desired container (the driver's spec)."""

    name: str

    def spec_hash(self) -> str: ...


class ContainerState(Protocol):
    """What the plan needs of an observed container (the driver's state)."""

    name: str
    service: str
    status: str
    spec_hash: str
    supervisor_alive: bool


class Step(Enum):
    CREATE = "create"  # absent: create (and start)
    RECREATE = "recreate"  # changed, forced, or its supervisor died: stop, remove, create
    START = "start"  # unchanged but not running
    KEEP = "keep"  # unchanged and running
    REMOVE = "remove"  # a replica beyond the wanted scale


@dataclass(frozen=True)
class Strategy:
    force_recreate: bool = False
    no_recreate: bool = False
    no_start: bool = False


@dataclass(frozen=True)
class ContainerAction:
    step: Step
    name: str
    spec: ContainerSpec | None  # None for REMOVE
    reason: str = ""

    @property
    def starts(self) -> bool:
        return self.step in (Step.CREATE, Step.RECREATE, Step.START)


def plan_service(desired: Sequence[ContainerSpec], observed: Iterable[ContainerState], strategy: Strategy) -> list[ContainerAction]:
    current = {state.name: state for state in observed}
    actions = [_plan_one(spec, current.pop(spec.name, None), strategy) for spec in desired]
    actions += [ContainerAction(Step.REMOVE, name, None, "beyond the wanted scale") for name in sorted(current)]
    return actions


def _plan_one(spec: ContainerSpec, state: ContainerState | None, strategy: Strategy) -> ContainerAction:
    if state is None:
        return ContainerAction(Step.CREATE, spec.name, spec)
    if not strategy.no_recreate:
        if strategy.force_recreate:
            return ContainerAction(Step.RECREATE, spec.name, spec, "forced")
        if state.spec_hash != spec.spec_hash():
            return ContainerAction(Step.RECREATE, spec.name, spec, "configuration changed")
        if state.status in ("running", "restarting") and not state.supervisor_alive:
            return ContainerAction(Step.RECREATE, spec.name, spec, "its supervisor died")
    if state.status in ("running", "paused", "restarting") or strategy.no_start:
        return ContainerAction(Step.KEEP, spec.name, spec)
    return ContainerAction(Step.START, spec.name, spec, f"was {state.status}")


def orphans(observed: Iterable[ContainerState], services: Iterable[str]) -> list[str]:
    """Containers of the project whose service is no longer in the compose files."""
    known = set(services)
    return sorted(state.name for state in observed if state.service not in known)


def container_name(project: Project, service: Service, number: int) -> str:
    """Compose's name for replica `number`: <project>-<service>-<n>, or the service's container_name."""
    return service.container_name or f"{project.name}-{service.name}-{number}"


def image_ref(project: Project, service: Service) -> str:
    """The service's image: its image:, else the name Compose gives the image a build makes."""
    return service.image or f"{project.name}-{service.name}".lower()
