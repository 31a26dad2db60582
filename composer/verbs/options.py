"""What `up` is asked to do and what it reports back, shared by `up` and its dry run."""

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


@dataclass
class UpResult:
    started: list[str] = field(default_factory=list)  # services converged
    failures: dict[str, str] = field(default_factory=dict)  # service → one line
    said: dict[str, list[str]] = field(default_factory=dict)  # service → Compose v2's own lines, printed as they are

    @property
    def ok(self) -> bool:
        return not self.failures
