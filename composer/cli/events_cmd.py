"""compose events: container events of the project, as they happen, until interrupted.

There is no daemon to ask: the state dirs are watched (inotify) and each change is
diffed against the previous snapshot (composer/drivers/events.py). A pause makes no file
event, so the state is also read again every RESCAN_SECONDS.

--since replays what the state dirs still record (each container's create, start, die…
at their recorded times: a removed container's past is gone); --until ends the stream.
"""

from __future__ import annotations

RESCAN_SECONDS = 0.5


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("--json", action="store_true", help="output events as a stream of JSON objects, one per line")
    parser.add_argument("--since", metavar="TIME", help="show the events since this time (timestamp or Go duration before now)")
    parser.add_argument("--until", metavar="TIME", help="stream the events until this time (timestamp or Go duration before now)")


def run(args) -> int:
    import signal
    import sys
    from datetime import datetime, timezone

    from composer.cli.event_times import parse_event_time

    now = datetime.now(timezone.utc)
    window = tuple(parse_event_time(v, now) if v else None for v in (args.since, args.until))
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        name = target_project(args, tuple(args.services))
        _stream(name, tuple(args.services), args.json, *window)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.stdout.flush()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stream(project: str, services: tuple[str, ...], as_json: bool, since=None, until=None) -> None:
    import sys
    from datetime import datetime, timezone

    from composer.cli import output
    from composer.cli.driver import open_driver
    from composer.drivers.events import diff_snapshots, event_json, event_text

    driver = open_driver()
    if getattr(driver, "deploys_stack", False):
        from composer.cli import stack_cmd
        from composer.errors import ComposerError

        if since or until:
            raise ComposerError("events --since/--until are not supported with the swarm driver", "drop them to follow the stack's events")
        return stack_cmd.events(project, services, as_json, driver)
    with driver.state_changes() as watcher:
        before = {} if since else _snapshot(driver, project, services, {})  # {}: the first diff is the recorded past
        replay = since is not None
        while True:
            if not replay:
                left = RESCAN_SECONDS if until is None else (until - datetime.now(timezone.utc)).total_seconds()
                watcher.wait(max(0.0, min(RESCAN_SECONDS, left)))
            replay = False
            now = datetime.now(timezone.utc)
            after = _snapshot(driver, project, services, before)
            for event in diff_snapshots(before, after, now):
                if (since and event.time < since) or (until and event.time > until):
                    continue
                if as_json:
                    output.json_line(event_json(event))
                else:
                    output.line(event_text(event))
            sys.stdout.flush()
            if until is not None and now >= until:
                return
            before = after


def _snapshot(driver, project: str, services: tuple[str, ...], previous: dict) -> dict:
    """The state now; the previous one if a container was half-way through a change."""
    from composer.errors import ComposerError

    try:
        return driver.snapshot(project, services)
    except (OSError, ValueError, ComposerError):
        return previous


def target_project(args, services: tuple[str, ...]) -> str:
    """The project's name; its services must exist. With -p and no compose file (as Compose
    v2's projectOrName), just the name: the services cannot be checked then."""
    from composer.cli.context import load_project
    from composer.errors import ComposeError, ComposerError

    try:
        project = load_project(args, quiet=True)
    except ComposeError:
        if not args.project_name or args.file:
            raise
        return args.project_name
    unknown = [s for s in services if s not in project.services]
    if unknown:
        known = ", ".join(sorted(project.services)) or "none"
        raise ComposerError(f"no such service: {unknown[0]} in project {project.name}", f"services are: {known}")
    return project.name
