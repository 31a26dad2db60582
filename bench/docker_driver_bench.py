"""`up -d` and `down` of 1 and 10 services: `compose --driver docker` vs Compose v2 (2.40)
on the same private engine, in the same run.

    python3 bench/docker_driver_bench.py [--rounds 5] [--json]

The engine is tests/support/docker_engine.py's (own socket and dirs, no iptables rule); the
services are busybox `sleep`s on the project's default network. Rounds are interleaved
(ours, theirs, ours, …), each tool on its own project name; reported are the median and
min–max wall time of each step and ours/theirs. Same engine, so the difference is the
client and its start-up. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BUSYBOX_REF = "composer-test/busybox:1"


def files(count: int) -> str:
    services = "".join(f"  s{i}:\n    image: {BUSYBOX_REF}\n    command: [sleep, '3600']\n" for i in range(count))
    return f"services:\n{services}"


def timed(argv: list[str], cwd: Path, env: dict) -> float:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed: {result.stderr.strip()[-300:]}")
    return elapsed


def run(rounds: int) -> dict:
    from bench.anchors.compose_v2 import ensure_compose_v2
    from tests.support.docker_engine import private_engine

    binary = str(ensure_compose_v2())
    with private_engine("ddb-") as engine:
        work = engine.dir
        env = {k: v for k, v in engine.env.items() if not k.startswith("COMPOSE")}
        env["PYTHONPATH"] = str(ROOT)
        tools = {"ours": [sys.executable, "-m", "composer", "--driver", "docker"], "compose_v2": [binary]}
        results: dict = {}
        for count in (1, 10):
            directory = work / f"p{count}"
            directory.mkdir()
            (directory / "compose.yaml").write_text(files(count))
            samples = {(tool, step): [] for tool in tools for step in ("up", "down")}
            for _ in range(rounds):
                for tool, argv in tools.items():  # interleaved: ours, theirs, ours, …
                    name = f"b{count}{tool[0]}"
                    samples[(tool, "up")].append(timed([*argv, "-p", name, "up", "-d"], directory, env))
                    samples[(tool, "down")].append(timed([*argv, "-p", name, "down", "-t", "1"], directory, env))
            for step in ("up", "down"):
                ours, theirs = samples[("ours", step)], samples[("compose_v2", step)]
                results[f"{step} {count}"] = {
                    "ours_median_s": round(statistics.median(ours), 3), "ours_range_s": [round(min(ours), 3), round(max(ours), 3)],
                    "compose_v2_median_s": round(statistics.median(theirs), 3), "compose_v2_range_s": [round(min(theirs), 3), round(max(theirs), 3)],
                    "ratio": round(statistics.median(ours) / statistics.median(theirs), 2),
                }
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the engine is stopped and removed on the way out
    result = run(max(1, min(args.rounds, 50)))
    print(json.dumps(result, indent=2) if args.json else "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
