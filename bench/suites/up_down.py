"""up-down: `up -d` and `down` of 1, 10 and 50 services, a 10-deep service_healthy chain,
and a no-op `up -d` (everything already running), ours vs Compose v2 on the private engine,
and `up -d` vs the floor (bench/floor_bench.py: bare runc create+start plus netns, veth and
address for as many containers, in parallel) measured in the same rounds.

Both sides get the same compose file (apart from the project and bridge names): busybox
services that exit at once on SIGTERM, so `down` measures the tool, not a stop timeout.
Chain links are healthy when `true` succeeds, checked every 500 ms on both sides.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.anchors.layout import BRIDGE_PREFIX, IMAGE_REF, PROJECT_PREFIX
from bench.stats import NotAvailable, interleave, timed
from bench.suites.base import (
    Metric, SuiteContext, SuiteResult, at_most, ratio_at_most, require_composer_verb, run_checked,
    set_up_sides, summary_ms, write_compose_file,
)

NAME = "up-down"
MEASURES = "wall time of `up -d`, no-op `up -d` and `down` for 1/10/50 services and a 10-deep healthy chain, ours vs Compose v2"
SIZES = (1, 10, 50)
SMOKE_SIZES = (1,)
CHAIN_DEPTH = 10
SLEEPER = "trap 'exit 0' TERM; sleep 3600 & wait"

Runner = Callable[..., None]  # runner(project_file, project_name, *verb_args)
_WHO = {"ours": "composer", "anchor": "Compose v2"}


def run(ctx: SuiteContext) -> SuiteResult:
    result = SuiteResult(NAME, MEASURES)
    contenders = set_up_sides(ctx, result, {"ours": (_WHO["ours"], _ours_runner), "anchor": (_WHO["anchor"], _compose_v2_runner)})
    scenarios = [(f"{n} service{'s' if n > 1 else ''}", n, False) for n in (SMOKE_SIZES if ctx.smoke else SIZES)]
    if not ctx.smoke:  # the chain alone takes ~10 s a side
        scenarios.append((f"{CHAIN_DEPTH}-deep healthy chain", CHAIN_DEPTH, True))
    for index, (label, count, chain) in enumerate(scenarios):
        share = ctx.time_left() / (len(scenarios) - index)
        samples, failures = _measure(ctx, contenders, count, chain, time.monotonic() + share)
        result.notes += [f"{label}, {_WHO[side]}: {reason}" for side, reason in failures.items()]
        result.metrics += _metrics(label, count, chain, samples)
    return result


def _measure(ctx: SuiteContext, contenders: dict[str, Runner], count: int, chain: bool, deadline: float):
    files = {side: write_project(ctx.workdir, side, count, chain) for side in contenders}
    measures = {side: _cycle(contenders[side], *files[side], noop=count == 10 and not chain) for side in contenders}
    if not chain:
        measures["floor"] = _floor(count)
    try:
        return interleave(measures, ctx.repeats, deadline, tolerate=1)
    finally:
        for side, runner in contenders.items():
            _quietly(runner, *files[side], "down")


def _cycle(runner: Runner, path: Path, project: str, noop: bool) -> Callable[[], dict[str, float]]:
    def measure() -> dict[str, float]:
        try:
            figures = {"up": timed(lambda: runner(path, project, "up", "-d"))}
            if noop:
                figures["noop"] = timed(lambda: runner(path, project, "up", "-d"))
            figures["down"] = timed(lambda: runner(path, project, "down"))
        except NotAvailable:
            _quietly(runner, path, project, "down")  # the next round starts from nothing again
            raise
        return figures

    return measure


def _floor(count: int) -> Callable[[], dict[str, float]]:
    script = Path(__file__).resolve().parents[1] / "floor_bench.py"

    def measure() -> dict[str, float]:
        result = subprocess.run([sys.executable, str(script), str(count), "--rounds", "1"], capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise NotAvailable(f"floor: {(result.stderr.strip().splitlines() or ['failed'])[-1]}")
        return {"up": json.loads(result.stdout.splitlines()[-1])[str(count)]["median_ms"] / 1000}

    return measure


def _metrics(label: str, count: int, chain: bool, samples: dict[str, list[float]]) -> list[Metric]:
    def row(verb: str, title: str, goal=None) -> Metric:
        return Metric(title, "ms", summary_ms(samples, f"ours.{verb}"), summary_ms(samples, f"anchor.{verb}"),
                      "Compose v2", goal)

    third = ratio_at_most(1 / 3, "≤ 1/3 of Compose v2")
    if chain:
        return [row("up", f"up -d, {label}", ratio_at_most(0.5, "≤ 1/2 of Compose v2")), row("down", f"down, {label}", third)]
    seven = ratio_at_most(0.7, "≤ 0.7× Compose v2")
    floor = Metric(f"up -d, {label}, vs the floor", "ms", summary_ms(samples, "ours.up"), summary_ms(samples, "floor.up"),
                   "floor (bare runc + netns)", ratio_at_most(1.3, "≤ 1.3× the floor") if count >= 10 else None)
    rows = [row("up", f"up -d, {label}", seven if count == 1 else third), floor,
            row("down", f"down, {label}", seven if count == 1 else third)]
    if count == 10:
        rows.insert(2, row("noop", f"no-op up -d, {label}", at_most(100, "≤ 100 ms")))
    return rows


def write_project(workdir: Path, side: str, count: int, chain: bool) -> tuple[Path, str]:
    """compose.yaml for one side; returns (file, project name)."""
    tag = f"{'c' if chain else 'n'}{count}{side[0]}"
    project = f"{PROJECT_PREFIX}-ud-{tag}"
    lines = [
        "networks:", "  default:", "    driver_opts:",
        f"      com.docker.network.bridge.name: {BRIDGE_PREFIX}ud{tag}",
        "services:",
    ]
    for index in range(count):
        lines += [f"  s{index}:", f"    image: {IMAGE_REF}", f"    command: [\"sh\", \"-c\", \"{SLEEPER}\"]"]
        if chain:
            lines += ["    healthcheck:", "      test: [\"CMD\", \"true\"]", "      interval: 500ms", "      timeout: 2s", "      retries: 5"]
            if index:
                lines += ["    depends_on:", f"      s{index - 1}:", "        condition: service_healthy"]
    return write_compose_file(workdir, project, lines), project


def _ours_runner(ctx: SuiteContext) -> Runner:
    require_composer_verb(ctx, "up")
    layout = ctx.anchors.layout

    def runner(path: Path, project: str, *verb: str) -> None:
        layout.remember_composer_project(project, path)
        run_checked(ctx.composer_command("-f", str(path), "-p", project, *verb), ctx.subprocess_env(), "composer")

    return runner


def _compose_v2_runner(ctx: SuiteContext) -> Runner:
    binary = str(ctx.anchors.compose_v2())
    env = ctx.anchors.engine().env

    def runner(path: Path, project: str, *verb: str) -> None:
        run_checked([binary, "-f", str(path), "-p", project, *verb], env, "Compose v2")

    return runner


def _quietly(runner: Runner, path: Path, project: str, *verb: str) -> None:
    try:
        runner(path, project, *verb)
    except (NotAvailable, subprocess.TimeoutExpired):
        pass  # the sweep at the end of the run removes what is left
