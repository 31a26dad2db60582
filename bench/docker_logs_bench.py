"""The docker driver's file logs: the log pump's memory over ≥ 1 GB of container output.

    python3 bench/docker_logs_bench.py [--gigabytes 1.0] [--json]

On a private engine (tests/support/docker_engine.py's: own socket and dirs, no iptables),
one busybox container writes N GB of 100-byte lines (busybox `yes` cut to a line length)
with `logging: {driver: file}` through `compose --driver docker up -d`; the pump
(composer/drivers/docker/log_pump.py) follows the engine's stream into a rotating file
(max-size 100m, max-file 2). Its RSS is sampled every 0.5 s: reported are the RSS once
the first 10 MB are written, the peak (VmHWM) and the last, the growth from the first
to the last sample, the bytes written and the time taken. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUSYBOX_REF = "composer-test/busybox:1"
LINE = "log line of a benchmark, padded to one hundred bytes with words " + "x" * 35  # 100 bytes with its newline
DONE = "all-lines-written"
SAMPLE_SECONDS = 0.5
LIMIT_SECONDS = 3600  # bounded: the run gives up after an hour


def status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def run(gigabytes: float) -> dict:
    from tests.support.docker_engine import log_pump_pids, private_engine

    total = int(gigabytes * 1_000_000_000)
    with private_engine("dlb-") as engine:
        work = engine.dir
        logs = work / "logs"
        (work / "compose.yaml").write_text(f"""
services:
  talk:
    image: {BUSYBOX_REF}
    command: [sh, -c, "yes '{LINE}' | head -n {total // (len(LINE) + 1)}; echo {DONE}; exec sleep 3600"]
    logging: {{driver: file, options: {{path: {logs}/, max-size: 100m, max-file: "2"}}}}
""")
        env = dict(engine.env, PYTHONPATH=str(ROOT), COMPOSER_ROOT=str(work / "root"))
        compose = [sys.executable, "-m", "composer", "--driver", "docker", "-p", "dlb"]
        started = time.monotonic()
        subprocess.run([*compose, "up", "-d"], cwd=work, env=env, check=True, capture_output=True, timeout=300)
        container_id = engine.docker("inspect", "-f", "{{.Id}}", "dlb-talk-1").stdout.strip()
        pid = next(iter(log_pump_pids(container_id)), None)
        samples: list[tuple[float, int, int]] = []  # (seconds, bytes written, RSS KiB)
        first = None
        written = peak = 0
        while pid is not None and time.monotonic() - started < LIMIT_SECONDS:
            written = _written(logs, written)
            try:
                now = status(pid)
            except OSError:
                break
            samples.append((time.monotonic() - started, written, now["VmRSS"]))
            if first is None and written >= 10_000_000:
                first = now["VmRSS"]
            if _all_written(logs):
                peak = status(pid)["VmHWM"]
                break
            time.sleep(SAMPLE_SECONDS)
        elapsed = time.monotonic() - started
        subprocess.run([*compose, "down", "-t", "1"], cwd=work, env=env, capture_output=True, timeout=300)
        last = samples[-1][2] if samples else 0
        return {
            "gigabytes": gigabytes, "seconds": round(elapsed, 1), "mb_per_s": round(total / 1e6 / elapsed, 1),
            "rss_first_kib": first, "rss_last_kib": last, "peak_rss_kib": peak, "growth_kib": (last - first) if first else None,
            "samples": len(samples),
        }


def _all_written(logs: Path) -> bool:
    """The pump has written the container's last line (its marker ends the newest file)."""
    current = logs / "dlb-talk-1.log"
    if not current.exists():
        return False
    with open(current, "rb") as handle:
        handle.seek(max(current.stat().st_size - 100, 0))
        return DONE.encode() in handle.read()


def _written(logs: Path, before: int) -> int:
    """Bytes the pump has written so far: the files' sizes only grow until a rotation, so
    this is a lower bound used for the 10 MB mark, not the total."""
    try:
        return max(before, sum(p.stat().st_size for p in logs.glob("*")))
    except OSError:
        return before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the engine is stopped and removed on the way out
    result = run(args.gigabytes)
    print(json.dumps(result) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
