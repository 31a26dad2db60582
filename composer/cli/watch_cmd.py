"""compose watch: bring services up, then sync/restart/rebuild them as their files change.

Also `compose up --watch` (attached_with_watch): logs and watch lines in one terminal
until Ctrl-C, then the project is stopped as an attached `up` stops it.
"""

from __future__ import annotations

import argparse


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("--no-up", action="store_true", help="do not run up before watching")
    parser.add_argument("--prune", action=argparse.BooleanOptionalAction, default=True, help="prune unused image layers after a rebuild (default: yes)")
    parser.add_argument("--quiet", action="store_true", help="hide build and recreate output")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import progress_for
    from composer.verbs.options import UpOptions
    from composer.verbs.up import up

    project = load_project(args, services=tuple(args.services))
    engine = open_driver()
    if not args.no_up:
        # as Compose: the equivalent of `up --build` first; the services keep running after the watch
        result = up(project, UpOptions(services=tuple(args.services), build=True), progress_for(args), engine)
        for service, reason in result.failures.items():
            output.error(f"service {service}: {reason}" if not reason.startswith("service ") else reason)
    session = _session(project, engine, args, required=True)
    try:
        with session:
            _watching(session)
    except KeyboardInterrupt:
        pass
    return 0


def attached_with_watch(project, engine, args, ok: bool) -> int:
    """up --watch: follow the attached services' logs and watch, until Ctrl-C; then stop the project.

    Unlike a plain attached up, it does not end when the containers exit: a crash is what
    the next save is about to fix.
    """
    from composer.cli import output
    from composer.cli.log_stream import LogStream
    from composer.cli.progress import progress_for
    from composer.verbs.down import stop_project

    attach = (set(args.attach) or {n for n, s in project.services.items() if s.attach}) - set(args.no_attach)
    stream = LogStream(timestamps=args.timestamps, with_prefix=not args.no_log_prefix)
    try:
        session = _session(project, engine, args, required=False)
        stream.follow([s.name for s in engine.containers(project.name) if s.service in attach], engine.log_reader, tail=None)
        with session:
            _watching(session)
    except KeyboardInterrupt:
        output.error("Gracefully stopping... (press Ctrl+C again to force)")
    finally:
        stream.stop()
        stop_project(project, engine, progress_for(args), timeout=args.timeout)
    return 0 if ok else 1


def _session(project, engine, args, required: bool):
    from composer.cli import output
    from composer.watch.prepare import prepare_watch
    from composer.watch.session import WatchSession

    def containers(service: str):
        return engine.containers(project.name, service)

    watches = prepare_watch(project, tuple(args.services), containers, engine.container_files, required=required)
    if not watches:
        output.warning("none of the services has a develop.watch section; watching nothing (add services.<name>.develop.watch rules)")
    return WatchSession(project, watches, engine, _show, prune=getattr(args, "prune", True), quiet=getattr(args, "quiet", False))


def _show(event) -> None:
    from composer.cli import output

    if event.failed:
        output.error(f"⟳ {event.service}: {event.text}")
    else:
        _print(f"⟳ {event.service}: {event.text}")


def _print(text: str) -> None:
    """One line, flushed now: watch lines interleave with streamed logs as they happen."""
    import sys

    from composer.cli import output

    output.line(text)
    sys.stdout.flush()


def _watching(session) -> None:
    """Say so once inotify is in place, then block until Ctrl-C or SIGTERM (both: KeyboardInterrupt)."""
    import signal
    import time

    def interrupt(signum, frame) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored (`cmd &` in a script)
    if session.watches:
        _print(f"Watch enabled for {', '.join(session.watches)}")
    while True:
        time.sleep(3600)
