"""Calling the standalone suite scripts (bench/<name>.py, each with run(smoke) -> dict).

Each is run in a child process of its own session, so that a hang is bounded by the
suite's time budget (the whole process group is killed), a crash cannot take the
harness down, and its COMPOSER_ROOT/RUN are the bench-private ones. A script that does
not exist yet, fails or runs out of time makes its suite "not available: <reason>".
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.stats import Summary
from bench.suites.base import NotAvailable, SuiteContext

REPO = Path(__file__).resolve().parents[2]

CHILD = (
    "import importlib, json, sys\n"
    "module = importlib.import_module('bench.' + sys.argv[1])\n"
    "result = module.run(smoke=sys.argv[2] == '1')\n"
    "with open(sys.argv[3], 'w') as out:\n"
    "    json.dump(result, out, default=str)\n"
)


def call_script(ctx: SuiteContext, module: str) -> dict[str, Any]:
    """bench.<module>.run(smoke) in a child process; its dict, or NotAvailable saying why not."""
    if not (REPO / "bench" / f"{module}.py").exists():
        raise NotAvailable(f"bench/{module}.py does not exist yet")
    if ctx.time_left() <= 0:
        raise NotAvailable("the suite's time budget ran out")
    calls = len(list(ctx.workdir.glob(f"{module}-*.json")))
    out, log = ctx.workdir / f"{module}-{calls}.json", ctx.workdir / f"{module}-{calls}.log"
    timeout = max(10.0, ctx.time_left())
    with open(log, "wb") as log_handle:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, module, "1" if ctx.smoke else "0", str(out)],
            cwd=REPO, env=ctx.subprocess_env(), stdin=subprocess.DEVNULL, stdout=log_handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            status = child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(child)
            raise NotAvailable(f"bench/{module}.py did not finish within {timeout:.0f} s") from None
        except BaseException:  # Ctrl-C or SIGTERM: take its whole group down with us
            _kill_group(child)
            raise
    if status != 0:
        raise NotAvailable(f"bench/{module}.py failed (exit {status}): {_last_line(log)}")
    return json.loads(out.read_text())


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGTERM)
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    except ProcessLookupError:
        pass


def _last_line(log: Path) -> str:
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def summary_of(figures: dict[str, Any] | None, count: int = 1, scale: float = 1.0, suffix: str = "") -> Summary | None:
    """A script's {"median", "min", "max"[, "n"]} dict (keys may end in `suffix`, e.g. "_ms")
    as a Summary; None when missing."""
    if not figures or f"median{suffix}" not in figures:
        return None
    median = figures[f"median{suffix}"]
    low, high = figures.get(f"min{suffix}", median), figures.get(f"max{suffix}", median)
    return Summary(median * scale, low * scale, high * scale, int(figures.get("n", count)))
