"""python3 -m bench [--smoke] [--suite NAME …] [--out bench/RESULTS.md] | --cleanup

Sets up the anchors (a private Docker engine, Compose v2, socat) as suites need them,
runs the suites with a time budget each, writes RESULTS.md and results.json, and always
takes the anchors down again: on success, on an exception, on Ctrl-C or SIGTERM (the
finally below), and, should the interpreter exit some other way, at exit.
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import os
import shlex
import signal
import sys
import time
import traceback
from pathlib import Path

from bench import report, suites
from bench.anchors import Anchors
from bench.anchors.cleanup import leftovers, sweep
from bench.anchors.host import machine_info, tool_versions
from bench.anchors.layout import Layout
from bench.stats import NotAvailable
from bench.suites.base import SuiteContext, SuiteResult

SUITE_BUDGET = 300.0  # seconds per suite in a full run
SMOKE_BUDGET = 20.0
RUN_BUDGET = 1140.0  # the whole run ends within 20 minutes, set-up and clean-up included
FULL_REPEATS = 5
DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m bench", description="composer side by side with Docker Compose v2 and socat")
    parser.add_argument("--smoke", action="store_true", help="one short round per suite, no Docker engine (seconds, not minutes)")
    parser.add_argument("--suite", action="append", choices=list(suites.SUITES), metavar="NAME",
                        help=f"run only this suite (repeatable): {', '.join(suites.SUITES)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write RESULTS.md (results.json goes beside it)")
    parser.add_argument("--repeats", type=int, default=FULL_REPEATS, help="rounds per measurement in a full run (default 5)")
    parser.add_argument("--cleanup", action="store_true", help="remove what a crashed run left behind, then exit")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    layout = Layout.from_environment()
    if os.geteuid() != 0 and not args.smoke:
        print("bench: needs root (runc, mounts, the Docker engine); run it with sudo, or try --smoke", file=sys.stderr)
        return 2
    lock = _take_lock(layout)
    if lock is None:
        print(f"bench: another bench run holds {_lock_path(layout)}; wait for it to end", file=sys.stderr)
        return 1
    try:
        if args.cleanup:
            return _cleanup_only(layout)
        return _run(args, layout)
    except KeyboardInterrupt:
        _log("interrupted; the anchors were taken down, no report written")
        return 130
    finally:
        _lock_path(layout).unlink(missing_ok=True)
        os.close(lock)


def _run(args: argparse.Namespace, layout: Layout) -> int:
    sweep(layout, _log)  # whatever a crashed run left would skew the numbers
    _compile_ahead()
    anchors = Anchors(layout, smoke=args.smoke)
    atexit.register(anchors.close)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    started, results = time.monotonic(), []
    try:
        run_end = started + RUN_BUDGET
        for name in args.suite or list(suites.SUITES):
            results.append(_run_suite(name, args, layout, anchors, run_end))
    finally:
        anchors.close(_log)
        atexit.unregister(anchors.close)
    run = report.RunReport(
        smoke=args.smoke, command=" ".join(["python3 -m bench", shlex.join(args.argv)]).strip(),
        seconds=time.monotonic() - started, machine=machine_info(), versions=tool_versions(anchors.versions),
        suites=results, cleanup=leftovers(layout),
    )
    markdown, json_path = report.write(run, args.out)
    print(f"bench: wrote {markdown} and {json_path}", file=sys.stderr)
    return 0


def _compile_ahead() -> None:
    """Byte-code for composer before it is timed: with PYTHONDONTWRITEBYTECODE set (as on the
    shared machine) every `compose` run compiles again each source changed since the last
    compile, ~30 % of a 1-service `up` in a working tree (bench/runs/2026-12-07-startup.md)."""
    import compileall

    root = Path(__file__).resolve().parents[1]
    for package in ("composer", "netplugins"):
        compileall.compile_dir(str(root / package), quiet=2)


def _run_suite(name: str, args: argparse.Namespace, layout: Layout, anchors: Anchors, run_end: float) -> SuiteResult:
    module = suites.load(name)
    _log(f"suite {name}: {module.MEASURES}")
    budget = SMOKE_BUDGET if args.smoke else SUITE_BUDGET
    deadline = min(time.monotonic() + budget, max(run_end, time.monotonic() + 30))
    ctx = SuiteContext(
        smoke=args.smoke, repeats=1 if args.smoke else max(1, args.repeats), deadline=deadline,
        workdir=layout.workdir(name), anchors=anchors, composer_env=layout.composer_env(),
    )
    started = time.monotonic()
    try:
        result = module.run(ctx)
    except NotAvailable as exc:
        result = SuiteResult(name, module.MEASURES, unavailable=str(exc))
    except Exception as exc:  # a broken suite must not stop the others, nor skip the cleanup
        traceback.print_exc()
        result = SuiteResult(name, module.MEASURES, unavailable=f"failed: {type(exc).__name__}: {exc}")
    result.seconds = time.monotonic() - started
    _log(f"suite {name}: done in {result.seconds:.0f} s" + (f" — not available: {result.unavailable}" if result.unavailable else ""))
    for note in result.notes:
        _log(f"suite {name}: {note}")
    return result


def _cleanup_only(layout: Layout) -> int:
    removed = sweep(layout, _log)
    left = leftovers(layout)
    print(f"bench: removed {len(removed)} leftover(s)" + (f"; still there: {', '.join(left)}" if left else ""), file=sys.stderr)
    return 1 if left else 0


def _take_lock(layout: Layout) -> int | None:
    path = _lock_path(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _lock_path(layout: Layout) -> Path:
    """Beside the base dir, not in it: the sweep removes the base dir while we hold the lock."""
    return layout.base.with_name(layout.base.name + ".lock")


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally that stops the engine


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
