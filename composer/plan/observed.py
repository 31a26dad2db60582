"""What the plan is given of the host: a snapshot the verbs take through the driver
(composer/verbs/observe.py) before planning. Plain data; planning reads nothing else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImageSeen:
    """A service's image as the store has it now: what a real run would do first."""

    ref: str
    how: str  # "build" | "pull" | "" (in the store, kept)
    present: bool
    refused: Exception | None = None  # what the driver would raise (policy never, no image)


@dataclass(frozen=True)
class Observed:
    containers: tuple[Any, ...] = ()  # the project's ContainerStates (runtime/api.py), by name
    one_offs: frozenset[str] = frozenset()  # of those, made by `compose run`
    missing_networks: tuple[str, ...] = ()  # full names of the networks not up yet
    network_problem: Exception | None = None  # a missing external network, as the driver said it
    missing_volumes: tuple[str, ...] = ()
    ambassadors_running: frozenset[str] = frozenset()
    images: Mapping[str, ImageSeen] = field(default_factory=dict)  # chosen service → its image
    # chosen service whose image is in the store → the spec hashes of replicas 1..n the
    # driver would build now, or why it cannot build them yet (one line)
    spec_hashes: Mapping[str, tuple[str, ...] | str] = field(default_factory=dict)

    def replicas_of(self, service: str) -> list:
        """The service's containers, one-offs (`compose run`) left out."""
        return [s for s in self.containers if s.service == service and s.name not in self.one_offs]
