"""What `up` must do to one replica: a pure function of its desired spec's hash and its
observed state (decide), and again once its spec is bound (rebind); Compose's names.

Drift is decided by the spec hash (ContainerSpec.spec_hash, kept by the runtime in the
container's record), the daemon-less stand-in for Compose's config-hash label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from composer.config.model import Project, Service


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


def decide(spec_hash: str, state: ContainerState | None, strategy: Strategy) -> tuple[Step, str]:
    """What to do to one replica whose desired spec has `spec_hash`, given what runs."""
    if state is None:
        return Step.CREATE, ""
    if not strategy.no_recreate:
        if strategy.force_recreate:
            return Step.RECREATE, "forced"
        if state.spec_hash != spec_hash:
            return Step.RECREATE, "configuration changed"
        if state.status in ("running", "restarting") and not state.supervisor_alive:
            return Step.RECREATE, "its supervisor died"
    if state.status in ("running", "paused", "restarting") or strategy.no_start:
        return Step.KEEP, ""
    return Step.START, f"was {state.status}"


def without_spec(state: ContainerState | None) -> tuple[Step, str]:
    """The decision when no spec can be built yet (the image is pulled or built first)."""
    return (Step.CREATE, "") if state is None else (Step.RECREATE, "new image")


def rebind(bound_hash: str, state: ContainerState | None, strategy: Strategy) -> tuple[Step, str]:
    """The step once the spec is bound: decided again on the bound spec and the state now.
    It is the planned step unless something changed since observing: the spec (its links'
    addresses, the image just pulled or built, a `service:` namespace made in this run) or
    the state (a stop that a killed `down` asked for has finished meanwhile)."""
    return decide(bound_hash, state, strategy)


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
