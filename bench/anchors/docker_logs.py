"""Docker's json-file log driver, end to end: a container prints N lines on the private engine.

One round:
  1. the same container with --log-driver none: start → exit (start-up and line generation);
  2. with --log-driver json-file: start → the log file has stopped growing after exit;
     dockerd's RSS sampled every 20 ms meanwhile;
  3. `docker logs` of that container to /dev/null (Docker's "print N lines").
Docker's logging cost is (2) − (1): the container, its shell loop and start-up cancel out.
"""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from bench.anchors.engine import DOCKER, DockerEngine
from bench.anchors.layout import IMAGE_REF
from bench.stats import NotAvailable

# ~100-byte lines like logs_bench's, numbered, made by busybox inside the container.
GENERATOR = (
    "seq 1 {count} | sed 's/.*/2026-11-22T10:00:00.000Z INFO  request handled method=GET "
    "path=\\/api\\/items\\/& status=200 dur=3ms/'"
)
LINE_BYTES = 96
SETTLE = 0.3  # the log file counts as complete once it has not grown for this long after exit
TIMEOUT = 300.0


def measure_round(engine: DockerEngine, count: int) -> dict[str, float]:
    """One round; seconds for each step, and dockerd's RSS growth in KiB."""
    command = ["sh", "-c", GENERATOR.format(count=count)]
    baseline = _run_to_exit(engine, ["--log-driver", "none"], command)
    container = _create(engine, ["--log-driver", "json-file"], command)
    try:
        logged, rss_growth, log_path = _start_until_logged(engine, container)
        printed = _time_docker_logs(engine, container)
        lines = _count_lines(log_path)
    finally:
        engine.docker("rm", "-f", container, check=False)
    if lines != count:
        raise NotAvailable(f"Docker's json-file log has {lines} lines, expected {count}")
    return {"logging_s": max(logged - baseline, 1e-6), "print_s": printed, "rss_growth_kib": rss_growth}


def _create(engine: DockerEngine, options: list[str], command: list[str]) -> str:
    return engine.docker("create", "--network", "none", *options, IMAGE_REF, *command).stdout.strip()


def _run_to_exit(engine: DockerEngine, options: list[str], command: list[str]) -> float:
    container = _create(engine, options, command)
    try:
        started = time.perf_counter()
        engine.docker("start", container)
        engine.docker("wait", container, timeout=TIMEOUT)
        return time.perf_counter() - started
    finally:
        engine.docker("rm", "-f", container, check=False)


def _start_until_logged(engine: DockerEngine, container: str) -> tuple[float, float, Path]:
    """Seconds from start until the log stopped growing after the container exited; dockerd's
    RSS growth; the log file (Docker names it only once the container has started)."""
    rss_before = engine.rss_kib()
    peak = rss_before
    exited = threading.Event()
    started = time.perf_counter()
    engine.docker("start", container)
    waiter = threading.Thread(target=_wait_exit, args=(engine, container, exited), daemon=True)
    waiter.start()
    log_path = Path(engine.docker("inspect", "-f", "{{.LogPath}}", container).stdout.strip())
    last_size, last_change = -1, started
    while time.perf_counter() - started < TIMEOUT:
        size = _size(log_path)
        now = time.perf_counter()
        if size != last_size:
            last_size, last_change = size, now
        peak = max(peak, engine.rss_kib())
        if exited.is_set() and now - last_change > SETTLE:
            waiter.join()
            return last_change - started, peak - rss_before, log_path
        time.sleep(0.02)
    raise NotAvailable(f"Docker's container did not finish logging within {TIMEOUT:.0f} s")


def _wait_exit(engine: DockerEngine, container: str, exited: threading.Event) -> None:
    engine.docker("wait", container, check=False, timeout=TIMEOUT)
    exited.set()


def _time_docker_logs(engine: DockerEngine, container: str) -> float:
    started = time.perf_counter()
    subprocess.run([DOCKER, "logs", container], env=engine.env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True, timeout=TIMEOUT)
    return time.perf_counter() - started


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _count_lines(path: Path) -> int:
    lines = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
    return lines

