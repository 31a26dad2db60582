"""Batching bursts of file changes into one action per service.

An editor's atomic save (create a temp file, write, rename over), a `git checkout`
touching a thousand files or a build writing its output all arrive as many events.
Changes gather per key (a service) until the key has been quiet for `quiet` seconds,
or `max_delay` has passed since the first of them (so a file written every few ms
forever still gets synced). A key whose action is running ("busy") is never handed
out: what arrives meanwhile waits and becomes exactly one more batch after it.

Pure and clock-free: every call takes `now` (time.monotonic() in real use), so the
tests drive it with plain numbers.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", bound=Hashable)

QUIET_SECONDS = 0.075
MAX_DELAY_SECONDS = 1.0


@dataclass
class _Pending(Generic[V]):
    first: float
    last: float
    items: dict[V, None] = field(default_factory=dict)  # insertion-ordered set


class Debouncer(Generic[K, V]):
    def __init__(self, quiet: float = QUIET_SECONDS, max_delay: float = MAX_DELAY_SECONDS) -> None:
        if quiet < 0 or max_delay < quiet:
            raise ValueError(f"need 0 ≤ quiet ≤ max_delay, got quiet={quiet} max_delay={max_delay}")
        self.quiet = quiet
        self.max_delay = max_delay
        self._pending: dict[K, _Pending[V]] = {}

    def add(self, key: K, items: Iterable[V], now: float) -> None:
        """Record changes for key; repeats of an item already pending are merged."""
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = _Pending(first=now, last=now)
        pending.last = now
        for item in items:
            pending.items[item] = None

    def take_due(self, now: float, busy: Collection[K] = ()) -> list[tuple[K, list[V]]]:
        """Batches whose time has come (keys not busy), removed from the pending set."""
        due = [key for key, pending in self._pending.items() if key not in busy and now >= self._due_at(pending)]
        return [(key, list(self._pending.pop(key).items)) for key in due]

    def next_due(self, busy: Collection[K] = ()) -> float | None:
        """When the earliest non-busy batch falls due (None: nothing to wait for)."""
        times = [self._due_at(p) for key, p in self._pending.items() if key not in busy]
        return min(times, default=None)

    def pending(self, key: K) -> int:
        """How many distinct items wait for key."""
        found = self._pending.get(key)
        return len(found.items) if found else 0

    def _due_at(self, pending: _Pending[V]) -> float:
        return min(pending.last + self.quiet, pending.first + self.max_delay)
