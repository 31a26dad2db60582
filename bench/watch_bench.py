"""compose watch: latency from a host file write to its effect in the container.

    sudo python3 bench/watch_bench.py [--smoke]

One busybox service, two rules: `sync` (./app → /app) and `sync+restart` (./restart →
/app/restart; on each start the container copies /app/restart/file to /started). A
fresh token is written on the host, then the container's file is polled every 1 ms
through the container's mounted rootfs (composer/runtime/layout.py) until it holds the
token: for sync, /app/file; for sync+restart, /started, i.e. the restarted container
has run. `compose watch --no-up` runs as a user would run it, in its own process.
Goals (issue 7): sync p50 ≤ 100 ms, restart p50 ≤ 500 ms. Needs root, runc and
busybox-static. Nothing is asserted: these are numbers to read.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.images import ImageStore  # noqa: E402
from tests.support.images import BUSYBOX_REF, busybox_image  # noqa: E402

PROJECT = "watchbench"
READY_TIMEOUT, SYNC_TIMEOUT, RESTART_TIMEOUT = 30.0, 10.0, 30.0
COMMAND = "cat /app/restart/file > /started 2>/dev/null; trap 'exit 0' TERM; sleep 3600 & wait"
COMPOSE_YAML = f"""
services:
  web:
    image: {BUSYBOX_REF}
    network_mode: none
    command: ["sh", "-c", "{COMMAND}"]
    develop:
      watch:
        - {{action: sync, path: ./app, target: /app}}
        - {{action: sync+restart, path: ./restart, target: /app/restart}}
"""


def run(smoke: bool = False) -> dict:
    edits = 3 if smoke else 20
    work = Path(tempfile.mkdtemp(prefix="composer-watch-bench-"))
    os.environ["COMPOSER_ROOT"], os.environ["COMPOSER_RUN"] = str(work / "root"), str(work / "run")
    project = work / PROJECT
    watcher = None
    try:
        busybox_image(ImageStore())
        _write_project(project)
        _compose(project, "up", "-d")
        watcher = _start_watch(project, work / "watch.log")
        _wait_for_line(work / "watch.log", "Watch enabled", watcher)
        rootfs = work / "run" / "containers" / f"{PROJECT}-web-1" / "rootfs"
        sync = [_latency(project / "app" / "file", rootfs / "app" / "file", SYNC_TIMEOUT, f"s{i}") for i in range(edits)]
        restart = [_latency(project / "restart" / "file", rootfs / "started", RESTART_TIMEOUT, f"r{i}") for i in range(edits)]
        _stop(watcher)  # its last line may still be on its way
        restarts_seen = (work / "watch.log").read_text().count("web: restarted")
    finally:
        _stop(watcher)
        if project.exists():
            _compose(project, "down", "-t", "1", check=False)
        shutil.rmtree(work, ignore_errors=True)
    return {
        "edits": edits,
        "sync_ms": _summary(sync),
        "sync_restart_ms": _summary(restart),
        "restarts_reported": restarts_seen,
        "goals": {"sync_p50_le_100ms": _p(sync, 50) <= 0.100, "restart_p50_le_500ms": _p(restart, 50) <= 0.500},
    }


def _write_project(directory: Path) -> None:
    for sub in ("app", "restart"):
        (directory / sub).mkdir(parents=True)
        (directory / sub / "file").write_text("initial")
    (directory / "compose.yaml").write_text(COMPOSE_YAML)


def _compose(directory: Path, *args: str, check: bool = True) -> None:
    argv = [sys.executable, "-m", "composer", "-p", PROJECT, *args]
    result = subprocess.run(argv, cwd=directory, capture_output=True, text=True, timeout=120, env=_env())
    if check and result.returncode != 0:
        raise RuntimeError(f"compose {' '.join(args)} failed: {result.stderr.strip()}")


def _start_watch(directory: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "composer", "-p", PROJECT, "watch", "--no-up"], cwd=directory,
                                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=_env())


def _wait_for_line(log: Path, text: str, watcher: subprocess.Popen) -> None:
    """compose watch says "Watch enabled" once inotify is in place: a write before it is not seen."""
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if watcher.poll() is not None:
            raise RuntimeError(f"compose watch exited with {watcher.returncode}: {log.read_text(errors='replace').strip()}")
        time.sleep(0.01)
    raise RuntimeError(f"compose watch did not print {text!r} within {READY_TIMEOUT:.0f} s")


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    return {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _latency(host_file: Path, seen: Path, timeout: float, label: str) -> float:
    """Write a fresh token; seconds until the container's file holds it."""
    token = f"{label}-{time.time_ns()}"
    started = time.perf_counter()
    host_file.write_text(token)
    while time.perf_counter() - started < timeout:
        try:
            if seen.read_text() == token:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.001)
    raise RuntimeError(f"{seen} did not get {label!r} within {timeout:.0f} s of the host write")


def _stop(watcher: subprocess.Popen | None) -> None:
    if watcher is None or watcher.poll() is not None:
        return
    watcher.send_signal(signal.SIGINT)
    try:
        watcher.wait(timeout=30)
    except subprocess.TimeoutExpired:
        watcher.kill()
        watcher.wait(timeout=10)


def _p(seconds: list[float], percent: int) -> float:
    ordered = sorted(seconds)
    return ordered[min(len(ordered) - 1, round(percent / 100 * (len(ordered) - 1)))]


def _summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "p50": round(_p(ms, 50), 1), "p95": round(_p(ms, 95), 1), "mean": round(statistics.fmean(ms), 1),
        "min": round(min(ms), 1), "max": round(max(ms), 1),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="3 edits of each kind, to check that the bench works")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("runc"):
        print("watch_bench: needs root and runc", file=sys.stderr)
        return 2
    print(json.dumps(run(args.smoke), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
