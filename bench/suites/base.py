"""What a suite gets (SuiteContext) and what it gives back (SuiteResult of Metrics with Goals)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from bench.stats import NotAvailable, Summary, ratio

if TYPE_CHECKING:
    from bench.anchors import Anchors

__all__ = ["Goal", "Metric", "NotAvailable", "SuiteContext", "SuiteResult"]


@dataclass(frozen=True)
class Goal:
    """A target from the issue, checked on the medians.

    kind: at_most / at_least (ours alone), ratio_at_most / ratio_at_least (ours / anchor),
    within (ours - anchor ≤ value).
    """

    kind: str
    value: float
    text: str

    def met(self, ours: Summary | None, anchor: Summary | None) -> bool | None:
        if ours is None:
            return None
        if self.kind == "at_most":
            return ours.median <= self.value
        if self.kind == "at_least":
            return ours.median >= self.value
        if anchor is None:
            return None
        if self.kind == "within":
            return ours.median - anchor.median <= self.value
        r = ratio(ours, anchor)
        if r is None:
            return None
        return r <= self.value if self.kind == "ratio_at_most" else r >= self.value


def at_most(value: float, text: str) -> Goal:
    return Goal("at_most", value, text)


def at_least(value: float, text: str) -> Goal:
    return Goal("at_least", value, text)


def ratio_at_most(value: float, text: str) -> Goal:
    return Goal("ratio_at_most", value, text)


def ratio_at_least(value: float, text: str) -> Goal:
    return Goal("ratio_at_least", value, text)


def within(value: float, text: str) -> Goal:
    return Goal("within", value, text)


@dataclass
class Metric:
    name: str
    unit: str
    ours: Summary | None = None
    anchor: Summary | None = None
    anchor_name: str = ""
    goal: Goal | None = None
    note: str = ""  # why a side is missing, or how it was measured

    @property
    def ratio(self) -> float | None:
        return ratio(self.ours, self.anchor)

    @property
    def met(self) -> bool | None:
        return self.goal.met(self.ours, self.anchor) if self.goal else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            "ours": self.ours.as_dict() if self.ours else None,
            "anchor": self.anchor.as_dict() if self.anchor else None,
            "anchor_name": self.anchor_name,
            "ratio": self.ratio,
            "goal": self.goal.text if self.goal else None,
            "met": self.met,
            "note": self.note,
        }


@dataclass
class SuiteResult:
    name: str
    measures: str  # one sentence: what this suite measures
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unavailable: str | None = None  # set when nothing at all could be measured
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "measures": self.measures,
            "metrics": [m.as_dict() for m in self.metrics],
            "notes": self.notes,
            "unavailable": self.unavailable,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class SuiteContext:
    smoke: bool
    repeats: int
    deadline: float  # time.monotonic() by which the suite should be done
    workdir: Path  # a fresh directory for this suite's files
    anchors: Anchors
    composer_env: dict[str, str]  # the environment for `python3 -m composer` (private root/run)

    def log(self, message: str) -> None:
        print(f"  {message}", file=sys.stderr, flush=True)

    def time_left(self) -> float:
        return self.deadline - time.monotonic()

    def composer_command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "composer", *args]

    def subprocess_env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.composer_env)
        env.update(extra or {})
        return env


Side = TypeVar("Side")


def set_up_sides(ctx: SuiteContext, result: SuiteResult, makers: dict[str, tuple[str, Callable[[SuiteContext], Side]]]) -> dict[str, Side]:
    """Set up each contender (key → (who, maker)); one that is not available becomes a note
    on the result, and the suite is not available only when none is."""
    sides: dict[str, Side] = {}
    for key, (who, make) in makers.items():
        try:
            sides[key] = make(ctx)
        except NotAvailable as exc:
            result.notes.append(f"{who} not measured: {exc}")
    if not sides:
        raise NotAvailable("; ".join(result.notes))
    return sides


def summary_ms(samples: dict[str, list[float]], key: str) -> Summary | None:
    """Seconds samples under `key` as a Summary in milliseconds (None when absent)."""
    values = samples.get(key)
    return Summary.of(values).scaled(1000.0) if values else None


def run_checked(command: list[str], env: dict[str, str], who: str, timeout: float = 300) -> None:
    """Run a contender's command; NotAvailable with its last error line when it fails."""
    result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise NotAvailable(f"{who} {' '.join(command[-2:])} failed: {last[:300]}")


def require_composer_verb(ctx: SuiteContext, verb: str) -> None:
    """NotAvailable unless `compose VERB` exists; then the shared test image is in our store."""
    probe = subprocess.run(ctx.composer_command(verb, "--help"), env=ctx.subprocess_env(), capture_output=True, timeout=60)
    if probe.returncode != 0:
        raise NotAvailable(f"compose {verb} not implemented yet")
    ctx.anchors.composer_image()


def write_compose_file(workdir: Path, project: str, lines: list[str]) -> Path:
    """workdir/PROJECT/compose.yaml with these lines."""
    path = workdir / project / "compose.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
