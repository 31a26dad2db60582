"""Container start time: composer (create + start, through its supervisor) vs bare `runc run -d`.

    sudo python3 bench/start_bench.py [--smoke]

Both run the same busybox container with the same config.json (Docker's defaults,
seccomp included); it writes one byte to a fifo we hold open, so "running" means the
container's own process has run, not just that a command returned. composer's time
also covers what bare runc is spared: the overlay mount, user and seccomp resolution,
config.json, and starting the supervisor (a Python process). Also reported: the
supervisor's memory (RSS, and PSS, which shares the interpreter's pages fairly).
Needs root, runc and busybox-static. Nothing is asserted: these are numbers to read.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.runtime import ContainerSpec, LogConfig, Mount, RuncRuntime  # noqa: E402
from composer.runtime.oci import build_oci_config  # noqa: E402
from composer.runtime.seccomp import DEFAULT_PROFILE, seccomp_for  # noqa: E402
from composer.runtime.capabilities import DOCKER_DEFAULT_CAPABILITIES  # noqa: E402
from composer.shim.runc_argv import RuncArgv  # noqa: E402
from tests.support.rootfs import make_busybox_rootfs  # noqa: E402

READY_TIMEOUT = 30.0
SCRIPT = "echo x > /signal/fifo; sleep 30"


def run(smoke: bool = False) -> dict:
    repeats = 1 if smoke else 7
    work = Path(tempfile.mkdtemp(prefix="composer-start-bench-"))
    os.environ["COMPOSER_ROOT"], os.environ["COMPOSER_RUN"] = str(work / "root"), str(work / "run")
    try:
        rootfs = make_busybox_rootfs(work / "busybox")
        signal_dir = work / "signal"
        signal_dir.mkdir()
        composer_times, create_times, rss = _composer_runs(rootfs, signal_dir, repeats)
        runc_times = _bare_runc_runs(rootfs, signal_dir, work, repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "repeats": repeats,
        "composer_ms": _summary(composer_times),
        "composer_create_ms": _summary(create_times),
        "bare_runc_ms": _summary(runc_times),
        "overhead_ms": round(1000 * (statistics.median(composer_times) - statistics.median(runc_times)), 1),
        "shim_memory_kb": rss,
        "shim_python": sys.executable,
    }


def _spec(name: str, rootfs: Path, signal_dir: Path) -> ContainerSpec:
    return ContainerSpec(
        name, "bench", "start", ("sh", "-c", SCRIPT), (str(rootfs),),
        mounts=(Mount.bind(str(signal_dir), "/signal"),), log=LogConfig("none"), stop_grace=1,
    )  # fmt: skip


def _composer_runs(rootfs: Path, signal_dir: Path, repeats: int) -> tuple[list[float], list[float], dict]:
    runtime = RuncRuntime()
    totals, creates, memory = [], [], {}
    for i in range(repeats):
        spec = _spec(f"bench-start-{i}", rootfs, signal_dir)
        with _fifo(signal_dir) as fifo:
            started = time.perf_counter()
            try:
                runtime.create(spec)
                creates.append(time.perf_counter() - started)
                runtime.start(spec.name)
                _wait_readable(fifo)
                totals.append(time.perf_counter() - started)
                if i == repeats - 1:
                    time.sleep(0.5)  # let the supervisor settle into its loop
                    memory = _memory(runtime.inspect(spec.name).supervisor_pid)
            finally:
                runtime.remove(spec.name)
    return totals, creates, memory


def _bare_runc_runs(rootfs: Path, signal_dir: Path, work: Path, repeats: int) -> list[float]:
    caps = list(DOCKER_DEFAULT_CAPABILITIES)
    seccomp = seccomp_for(DEFAULT_PROFILE, caps) if os.path.exists(DEFAULT_PROFILE) else None
    runc, bundle = RuncArgv(shutil.which("runc") or "runc", str(work / "bare-runc")), work / "bundle"
    bundle.mkdir()
    times = []
    for i in range(repeats):
        name = f"bench-bare-{i}"
        config = build_oci_config(_spec(name, rootfs, signal_dir), str(rootfs), seccomp=seccomp)
        config["root"]["readonly"] = True  # the shared busybox dir stays untouched
        (bundle / "config.json").write_text(json.dumps(config))
        with _fifo(signal_dir) as fifo:
            started = time.perf_counter()
            try:
                subprocess.run(
                    runc.run_detached(name, str(bundle)),
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                )  # fmt: skip
                _wait_readable(fifo)
                times.append(time.perf_counter() - started)
            finally:
                subprocess.run(runc.delete(name, force=True), capture_output=True)
    return times


class _fifo:
    """A fresh fifo in signal_dir, held open for reading without blocking."""

    def __init__(self, signal_dir: Path) -> None:
        self.path = signal_dir / "fifo"

    def __enter__(self) -> int:
        if self.path.exists():
            self.path.unlink()
        os.mkfifo(self.path)
        self.fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        return self.fd

    def __exit__(self, *exc) -> None:
        os.close(self.fd)
        self.path.unlink()


def _wait_readable(fd: int) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if select.select([fd], [], [], deadline - time.monotonic())[0] and os.read(fd, 16):
            return
        time.sleep(0.001)  # no writer yet: a fifo with no writer reads EOF at once
    raise TimeoutError(f"the container did not write to its fifo within {READY_TIMEOUT:g}s")


def _memory(pid: int | None) -> dict:
    if pid is None:
        return {}
    fields = {}
    for path, keys in ((f"/proc/{pid}/status", ("VmRSS",)), (f"/proc/{pid}/smaps_rollup", ("Pss", "Private_Dirty"))):
        for line in Path(path).read_text().splitlines():
            key = line.split(":")[0]
            if key in keys:
                fields[key] = int(line.split()[1])
    return fields


def _summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"median": round(statistics.median(ms), 1), "min": round(min(ms), 1), "max": round(max(ms), 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="one repeat, to check that the bench works")
    args = parser.parse_args()
    if os.geteuid() != 0 or not shutil.which("runc"):
        print("start_bench: needs root and runc", file=sys.stderr)
        return 2
    result = run(args.smoke)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
