"""cli-scale: the read commands on a big running project — `ps`, `ps --format json`,
`logs --tail 10` and `config -q` with 200 services up — and `ps` with 500 when the budget
allows, ours vs Compose v2 on the private engine.

Every command must stay O(services) and sub-second at 200 (Compose v2 once took 24 s for
`ps` at 500). Both sides get the same file: busybox services without networking (this
measures the CLI, not bridges) that print one line and exit at once on SIGTERM.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.anchors.layout import IMAGE_REF, PROJECT_PREFIX
from bench.stats import NotAvailable, Summary, interleave, timed
from bench.suites.base import (
    Metric, SuiteContext, SuiteResult, at_most, require_composer_verb, run_checked, set_up_sides, summary_ms,
    write_compose_file,
)

NAME = "cli-scale"
MEASURES = "wall time of ps, ps --format json, logs --tail 10 and config -q with 200 services running (ps also at 500), ours vs Compose v2"
SERVICES, BIG, SMOKE_SERVICES = 200, 500, 5
SLEEPER = "echo hello from $$HOSTNAME; trap 'exit 0' TERM; sleep 3600 & wait"
READS = {"ps": ("ps",), "ps_json": ("ps", "--format", "json"), "logs": ("logs", "--tail", "10"), "config": ("config", "-q")}
TITLES = {"ps": "ps", "ps_json": "ps --format json", "logs": "logs --tail 10", "config": "config -q"}
_WHO = {"ours": "composer", "anchor": "Compose v2"}


@dataclass(frozen=True)
class Side:
    who: str
    command: Callable[..., list[str]]  # command(compose_file, project, *verb) -> argv
    env: dict[str, str]
    remember: Callable[[str, Path], None]  # so the sweep can remove what a crash leaves

    def run(self, path: Path, project: str, *verb: str, timeout: float = 600) -> None:
        self.remember(project, path)
        run_checked(self.command(path, project, *verb), self.env, self.who, timeout)


def run(ctx: SuiteContext) -> SuiteResult:
    result = SuiteResult(NAME, MEASURES)
    sides = set_up_sides(ctx, result, {"ours": (_WHO["ours"], _ours), "anchor": (_WHO["anchor"], _compose_v2)})
    count = SMOKE_SERVICES if ctx.smoke else SERVICES
    up_seconds = _measure_reads(ctx, result, sides, count)
    ours_up = up_seconds.get("ours")
    if ctx.smoke or ours_up is None:
        return result
    needed = ours_up * BIG / count * 2.5  # up, the reads and down, from the 200-service up
    if ctx.time_left() < needed:
        result.notes.append(f"ps at {BIG} services not measured: about {needed:.0f} s needed, {ctx.time_left():.0f} s left")
    else:
        _measure_big_ps(ctx, result, sides["ours"])
    return result


def _measure_reads(ctx: SuiteContext, result: SuiteResult, sides: dict[str, Side], count: int) -> dict[str, float]:
    """Bring `count` services up on every side, time the reads in turns, take them down."""
    files = {key: write_project(ctx.workdir, key, count) for key in sides}
    up_seconds: dict[str, float] = {}
    try:
        for key, side in sides.items():
            try:
                up_seconds[key] = timed(lambda s=side, f=files[key]: s.run(*f, "up", "-d"))
            except NotAvailable as exc:
                result.notes.append(f"{side.who} not measured: {exc}")
        contenders = {key: _reads(sides[key], *files[key]) for key in up_seconds}
        samples, failures = interleave(contenders, ctx.repeats, ctx.deadline - 60, tolerate=1)
        result.notes += [f"{_WHO[key]}: {reason}" for key, reason in failures.items()]
    finally:
        for key, side in sides.items():
            _quietly(side, *files[key], "down", "-t", "2")
    label = f"{count} services"
    result.metrics += [
        Metric(f"{TITLES[read]}, {label}", "ms", summary_ms(samples, f"ours.{read}"), summary_ms(samples, f"anchor.{read}"),
               _WHO["anchor"], at_most(1000, "≤ 1 s"))
        for read in READS
    ]
    ups = {key: Summary.of([seconds]).scaled(1000.0) for key, seconds in up_seconds.items()}
    result.metrics.append(Metric(f"up -d, {label} (set-up, one run)", "ms", ups.get("ours"), ups.get("anchor"), _WHO["anchor"]))
    return up_seconds


def _measure_big_ps(ctx: SuiteContext, result: SuiteResult, ours: Side) -> None:
    path, project = write_project(ctx.workdir, "ours", BIG)
    try:
        ours.run(path, project, "up", "-d")
        samples, failures = interleave({"ps": lambda: timed(lambda: _read(ours, path, project, READS["ps"]))},
                                       ctx.repeats, ctx.deadline - 60)
        result.notes += [f"ps at {BIG}: {reason}" for reason in failures.values()]
        result.metrics.append(Metric(f"ps, {BIG} services", "ms", summary_ms(samples, "ps"), None, "",
                                     at_most(1000, "≤ 1 s"), "ours only: the anchor's 500 would not fit the budget"))
    except NotAvailable as exc:
        result.notes.append(f"ps at {BIG} not measured: {exc}")
    finally:
        _quietly(ours, path, project, "down", "-t", "2")


def _reads(side: Side, path: Path, project: str) -> Callable[[], dict[str, float]]:
    def measure() -> dict[str, float]:
        return {read: timed(lambda v=verb: _read(side, path, project, v)) for read, verb in READS.items()}

    return measure


def _read(side: Side, path: Path, project: str, verb: tuple[str, ...]) -> None:
    """One read, its output thrown away (as into a pipe); a failure loses the round."""
    completed = subprocess.run(side.command(path, project, *verb), env=side.env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise NotAvailable(f"{side.who} {' '.join(verb)} failed: {last[:300]}")


def write_project(workdir: Path, side: str, count: int) -> tuple[Path, str]:
    """compose.yaml of `count` sleepers for one side; returns (file, project name)."""
    project = f"{PROJECT_PREFIX}-cs-{count}{side[0]}"
    lines = ["services:"]
    for index in range(count):
        lines += [f"  s{index}:", f"    image: {IMAGE_REF}", "    network_mode: none",
                  f"    command: [\"sh\", \"-c\", \"{SLEEPER}\"]"]
    return write_compose_file(workdir, project, lines), project


def _ours(ctx: SuiteContext) -> Side:
    require_composer_verb(ctx, "ps")
    return Side(_WHO["ours"], lambda path, project, *verb: ctx.composer_command("-f", str(path), "-p", project, *verb),
                ctx.subprocess_env(), ctx.anchors.layout.remember_composer_project)


def _compose_v2(ctx: SuiteContext) -> Side:
    binary = str(ctx.anchors.compose_v2())
    env = ctx.anchors.engine().env
    return Side(_WHO["anchor"], lambda path, project, *verb: [binary, "-f", str(path), "-p", project, *verb],
                env, lambda project, path: None)


def _quietly(side: Side, path: Path, project: str, *verb: str) -> None:
    try:
        side.run(path, project, *verb)
    except (NotAvailable, subprocess.TimeoutExpired):
        pass  # the sweep at the end of the run removes what is left
