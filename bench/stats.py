"""Summaries of repeated measurements, and the interleaving loop that takes them.

The machine is small and noisy, so contenders are measured in turns (ours, anchor,
ours, anchor …, the order flipping every round) rather than one after the other: a
burst of noise then hits both sides instead of one. Every figure is reported as the
median with its min–max over the rounds.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# A measurement returns one number, or several named numbers taken in the same go.
Measurement = float | Mapping[str, float]


class NotAvailable(Exception):
    """A contender (ours or an anchor) cannot be measured here; the message says why."""


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    count: int

    @classmethod
    def of(cls, samples: list[float]) -> Summary:
        if not samples:
            raise ValueError("cannot summarise no samples")
        return cls(statistics.median(samples), min(samples), max(samples), len(samples))

    def scaled(self, factor: float) -> Summary:
        """The same summary in another unit (seconds → milliseconds: factor 1000)."""
        return Summary(self.median * factor, self.low * factor, self.high * factor, self.count)

    def as_dict(self) -> dict[str, float | int]:
        return {"median": self.median, "min": self.low, "max": self.high, "n": self.count}


def ratio(ours: Summary | None, anchor: Summary | None) -> float | None:
    """ours / anchor of the medians; None when either side is missing or the anchor is zero."""
    if ours is None or anchor is None or anchor.median == 0:
        return None
    return ours.median / anchor.median


def interleave(
    contenders: Mapping[str, Callable[[], Measurement]],
    repeats: int,
    deadline: float,
    tolerate: int = 0,
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Run every contender once per round, `repeats` rounds, flipping the order each round.

    Returns samples keyed by contender name (or "name.key" for measurements that return
    several numbers), and what went wrong for each contender that raised NotAvailable: a
    failed round is lost, and after more than `tolerate` failures the contender is
    dropped. Stops early, after at least one full round, once time.monotonic() passes
    `deadline`, so a slow suite still ends inside its budget.
    """
    samples: dict[str, list[float]] = {}
    lost: dict[str, list[str]] = {}
    names = list(contenders)
    for round_number in range(max(1, repeats)):
        if round_number > 0 and time.monotonic() > deadline:
            break
        order = names if round_number % 2 == 0 else list(reversed(names))
        for name in order:
            if len(lost.get(name, ())) > tolerate:
                continue
            try:
                _record(samples, name, contenders[name]())
            except NotAvailable as exc:
                lost.setdefault(name, []).append(str(exc))
    return samples, {name: _failure_note(reasons, tolerate) for name, reasons in lost.items()}


def _failure_note(reasons: list[str], tolerate: int) -> str:
    if tolerate == 0:
        return reasons[-1]
    if len(reasons) > tolerate:
        return f"dropped after {len(reasons)} failed rounds; last: {reasons[-1]}"
    return f"{len(reasons)} round(s) lost: {reasons[-1]}"


def _record(samples: dict[str, list[float]], name: str, measurement: Measurement) -> None:
    if isinstance(measurement, Mapping):
        for key, value in measurement.items():
            samples.setdefault(f"{name}.{key}", []).append(float(value))
    else:
        samples.setdefault(name, []).append(float(measurement))


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds that `action` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start
