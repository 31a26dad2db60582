"""watch: from a file written on the host to its effect in the container, under `compose watch`.

One busybox service with two rules: `sync` (./app → /app) and `sync+restart` (./restart →
/app/restart; on start the container copies /app/restart/file to /started). Latency is
the time from writing a fresh token on the host until the token is in the container's
file, read from the host through the container's mounted rootfs (Docker's overlay
MergedDir; composer's <run root>/containers/<name>/rootfs, see composer/runtime/layout.py),
polled every 2 ms: finer than `docker exec cat`, and the same probe for both sides.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.anchors.layout import BRIDGE_PREFIX, IMAGE_REF, PROJECT_PREFIX
from bench.stats import NotAvailable, interleave
from bench.suites.base import (
    Metric, SuiteContext, SuiteResult, at_most, ratio_at_most, require_composer_verb, run_checked,
    set_up_sides, summary_ms,
)

NAME = "watch"
MEASURES = "latency from a host file write to the change inside the container (sync) and to the restarted container (sync+restart)"
SYNC_TIMEOUT, RESTART_TIMEOUT, READY_TIMEOUT = 10.0, 30.0, 30.0
COMMAND = "cat /app/restart/file > /started 2>/dev/null; trap 'exit 0' TERM; sleep 3600 & wait"


@dataclass
class WatchSide:
    """One contender: how to run its compose commands, and where its container's rootfs is."""

    who: str
    compose: Callable[..., list[str]]  # compose(*args) -> argv
    env: dict[str, str]
    project_dir: Path
    project: str
    find_rootfs: Callable[[], Path]
    rootfs: Path | None = None
    watcher: subprocess.Popen[bytes] | None = None
    writes: int = 0

    def start(self) -> None:
        run_checked(self.compose("up", "-d"), self.env, self.who)
        self.rootfs = self.find_rootfs()
        log = open(self.project_dir / "watch.log", "wb")
        self.watcher = subprocess.Popen(self.compose("watch", "--no-up"), env=self.env, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Write until a sync comes through: a write made before the watcher is set up is missed."""
        end = time.monotonic() + READY_TIMEOUT
        while True:
            try:
                self.sync_latency(1.0)
                return
            except NotAvailable:
                if time.monotonic() > end or (self.watcher and self.watcher.poll() is not None):
                    raise NotAvailable(f"{self.who}: watch did not sync anything within {READY_TIMEOUT:.0f} s") from None

    def measure(self) -> dict[str, float]:
        return {"sync": self.sync_latency(SYNC_TIMEOUT), "restart": self.restart_latency()}

    def sync_latency(self, timeout: float) -> float:
        return self._latency(self.project_dir / "app" / "file", Path("app/file"), timeout)

    def restart_latency(self) -> float:
        return self._latency(self.project_dir / "restart" / "file", Path("started"), RESTART_TIMEOUT)

    def _latency(self, host_file: Path, container_file: Path, timeout: float) -> float:
        self.writes += 1
        token = f"{self.who}-{self.writes}-{time.time_ns()}"
        assert self.rootfs is not None
        seen = self.rootfs / container_file
        started = time.perf_counter()
        host_file.write_text(token)
        while time.perf_counter() - started < timeout:
            if _read(seen) == token:
                return time.perf_counter() - started
            time.sleep(0.002)
        raise NotAvailable(f"{self.who}: {container_file} did not change within {timeout:.0f} s of the host write")

    def stop(self) -> None:
        if self.watcher is not None and self.watcher.poll() is None:
            os.killpg(self.watcher.pid, signal.SIGINT)
            try:
                self.watcher.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.watcher.pid, signal.SIGKILL)
                self.watcher.wait(timeout=10)
        try:
            run_checked(self.compose("down"), self.env, self.who)
        except (NotAvailable, subprocess.TimeoutExpired):
            pass  # the sweep at the end of the run removes what is left


def run(ctx: SuiteContext) -> SuiteResult:
    result = SuiteResult(NAME, MEASURES)
    sides = set_up_sides(ctx, result, {"ours": ("composer", _ours), "anchor": ("Compose v2", _compose_v2)})
    try:
        for key in list(sides):
            try:
                sides[key].start()
            except NotAvailable as exc:
                failed = sides.pop(key)
                failed.stop()
                result.notes.append(f"{failed.who} not measured: {exc}")
        samples, failures = interleave({k: s.measure for k, s in sides.items()}, ctx.repeats, ctx.deadline)
    finally:
        for side in sides.values():
            side.stop()
    result.notes += [f"{key} dropped: {reason}" for key, reason in failures.items()]
    faster = ratio_at_most(1.0, "faster than Compose v2")
    result.metrics = [
        Metric("sync: write → visible in container", "ms", summary_ms(samples, "ours.sync"),
               summary_ms(samples, "anchor.sync"), "Compose v2", at_most(100, "p50 ≤ 100 ms")),
        Metric("sync, relative", "ms", summary_ms(samples, "ours.sync"), summary_ms(samples, "anchor.sync"), "Compose v2", faster),
        Metric("sync+restart: write → container restarted", "ms", summary_ms(samples, "ours.restart"),
               summary_ms(samples, "anchor.restart"), "Compose v2", at_most(500, "p50 ≤ 500 ms")),
        Metric("sync+restart, relative", "ms", summary_ms(samples, "ours.restart"), summary_ms(samples, "anchor.restart"),
               "Compose v2", faster),
    ]
    return result


def write_project(workdir: Path, side: str) -> tuple[Path, str]:
    project = f"{PROJECT_PREFIX}-watch-{side}"
    directory = workdir / project
    for sub in ("app", "restart"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
        (directory / sub / "file").write_text("initial\n")
    (directory / "compose.yaml").write_text("\n".join([
        "networks:", "  default:", "    driver_opts:", f"      com.docker.network.bridge.name: {BRIDGE_PREFIX}watch{side[0]}",
        "services:", "  web:", f"    image: {IMAGE_REF}", f"    command: [\"sh\", \"-c\", \"{COMMAND}\"]",
        "    develop:", "      watch:",
        "        - {action: sync, path: ./app, target: /app}",
        "        - {action: sync+restart, path: ./restart, target: /app/restart}",
    ]) + "\n")
    return directory, project


def _ours(ctx: SuiteContext) -> WatchSide:
    require_composer_verb(ctx, "watch")
    directory, project = write_project(ctx.workdir, "ours")
    ctx.anchors.layout.remember_composer_project(project, directory / "compose.yaml")
    rootfs = ctx.anchors.layout.composer_run / "containers" / f"{project}-web-1" / "rootfs"
    return WatchSide("composer", lambda *a: ctx.composer_command("-f", str(directory / "compose.yaml"), "-p", project, *a),
                     ctx.subprocess_env(), directory, project, lambda: rootfs)


def _compose_v2(ctx: SuiteContext) -> WatchSide:
    binary = str(ctx.anchors.compose_v2())
    engine = ctx.anchors.engine()
    directory, project = write_project(ctx.workdir, "docker")

    def merged_dir() -> Path:
        out = engine.docker("inspect", "-f", "{{.GraphDriver.Data.MergedDir}}", f"{project}-web-1").stdout.strip()
        return Path(out)

    return WatchSide("Compose v2", lambda *a: [binary, "-f", str(directory / "compose.yaml"), "-p", project, *a],
                     engine.env, directory, project, merged_dir)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None
