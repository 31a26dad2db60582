"""compose logs: containers' output from their log files (fast; --follow across rotations)."""


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("-f", "--follow", action="store_true", help="follow log output")
    parser.add_argument("-n", "--tail", default="all", metavar="N", help="number of lines from the end (default all)")
    parser.add_argument("-t", "--timestamps", action="store_true", help="show timestamps")
    parser.add_argument("--since", metavar="TIME", help="show logs since a timestamp (2024-01-02T13:23:37Z) or relative (42m)")
    parser.add_argument("--until", metavar="TIME", help="show logs before a timestamp or relative time")
    parser.add_argument("--no-color", action="store_true", help="monochrome output")
    parser.add_argument("--no-log-prefix", action="store_true", help="don't print the prefix")
    parser.add_argument("--index", type=int, default=0, help="index of the container if service has multiple replicas")


def run(args) -> int:
    import sys

    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.log_stream import LogStream, prefixes
    from composer.logs import write_logs

    if args.no_color:
        output.configure("never")
    tail = None if args.tail == "all" else _number(args.tail)
    project = load_project(args)
    driver = open_driver()
    if getattr(driver, "deploys_stack", False):
        from composer.cli import stack_cmd

        return stack_cmd.logs(args, project, driver)
    names = [s.name for s in driver.containers(project.name) if not args.services or s.service in args.services]
    if args.index:  # that replica of each service shown
        names = [n for n in names if n.rsplit("-", 1)[-1] == str(args.index)]
    since, until = _time(args.since), _time(args.until)
    if args.follow:
        stream = LogStream(args.timestamps, not args.no_log_prefix, project.name)
        stream.follow(names, driver.log_reader, tail=tail)
        try:
            while True:
                stream.stop_event.wait(3600)
        except KeyboardInterrupt:
            stream.stop(0)
        return 0
    for state in driver.containers(project.name):
        if state.name in names and state.log_dropped:
            output.warning(f"container {state.name}: {state.log_dropped} log records were dropped (logging mode non-blocking: a full buffer or disk)")
    for name, (prefix, color) in prefixes(names, not args.no_log_prefix, project.name).items():
        write_logs(sys.stdout.buffer, driver.log_reader(name), prefix, color, args.timestamps, tail, since, until)
    _ambassador_logs(project, driver, args, tail)
    sys.stdout.buffer.flush()
    return 0


def _ambassador_logs(project, driver, args, tail) -> None:
    """An ambassador's log is its forwarder's: connection errors and target changes."""
    import sys

    for name in project.ambassadors:
        if args.services and name not in args.services:
            continue
        text = driver.ambassador_log(project.name, name)
        if text is None:
            continue
        lines = text.splitlines(keepends=True)
        prefix = b"" if args.no_log_prefix else f"{name}  | ".encode()
        sys.stdout.buffer.write(b"".join(prefix + line for line in (lines[-tail:] if tail else lines)))


def _number(text: str) -> int:
    from composer.errors import ComposerError

    if not text.isdigit():
        raise ComposerError(f"--tail {text}: expected a number or 'all'")
    return int(text)


def _time(text):
    """Nanoseconds since the epoch from an RFC 3339 time or a duration before now (42m)."""
    if text is None:
        return None
    import time
    from datetime import datetime

    from composer.config.units import parse_duration
    from composer.errors import ComposerError

    try:
        return time.time_ns() - parse_duration(text)
    except Exception:
        pass
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1_000_000_000)
    except ValueError:
        raise ComposerError(f"{text!r} is neither a time (2024-01-02T13:23:37Z) nor a duration (42m)") from None
