"""What `up` (and `create`, `run`'s dependencies, `watch`'s first up) is asked to do: the
plan's third input, beside the model and what is observed."""

from __future__ import annotations

from dataclasses import dataclass, field

from composer.plan.service import Strategy


@dataclass(frozen=True)
class UpOptions:
    services: tuple[str, ...] = ()
    no_deps: bool = False
    strategy: Strategy = Strategy()
    scale: dict[str, int] = field(default_factory=dict)
    pull: str | None = None  # overrides every service's pull_policy
    build: bool = False  # `up --build`: build every service that has build:
    remove_orphans: bool = False
    stop_timeout: float | None = None  # for recreate / orphans

    def replicas(self, service) -> int:
        return self.scale.get(service.name, service.replicas)
