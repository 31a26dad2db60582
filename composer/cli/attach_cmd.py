"""compose attach SERVICE: follow a service container's output from now until it stops, with its
exit code; Ctrl+C is passed to the container (--sig-proxy, as Docker) and the attach ends
when it does. Output only: the supervisor owns the container's stdin, so there is no
stdin to attach (--no-stdin is what composer always does; a line says so otherwise)."""

from __future__ import annotations

import time


def add_arguments(parser) -> None:
    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("--index", type=int, default=0, help="index of the container if service has multiple replicas")
    parser.add_argument("--no-stdin", action="store_true", help="do not attach STDIN (composer never does)")
    parser.add_argument("--sig-proxy", nargs="?", const="true", default="true", choices=("true", "false"), metavar="true|false",
                        help="proxy all received signals to the process (default true)")
    parser.add_argument("--detach-keys", metavar="KEYS", help="accepted; Ctrl+C with --sig-proxy=false detaches")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.log_stream import LogStream
    from composer.errors import ComposerError

    project = load_project(args, quiet=True)
    driver = open_driver()
    name = f"{project.name}-{args.service}-{args.index or 1}"
    states = {s.name: s for s in driver.containers(project.name, args.service)}
    if name not in states:
        raise ComposerError(f"service {args.service!r} is not running with index {args.index}" if args.index else f"no container found for service {args.service!r}")
    if not states[name].running:
        raise ComposerError("You cannot attach to a stopped container, start it first")
    if args.dry_run:
        return 0
    if not args.no_stdin:
        output.warning("attach: output only; composer's supervisor owns the container's stdin (use compose exec for input)")
    stream = LogStream(with_prefix=False)
    stream.follow([name], driver.log_reader, tail=0)
    try:
        state = _until_stopped(driver, name)
    except KeyboardInterrupt:
        if args.sig_proxy == "false":
            stream.stop()
            return 0
        driver.runtime.kill(name, "SIGINT")
        state = _until_stopped(driver, name)
    stream.stop()
    return state.exit_code or 0


def _until_stopped(driver, name: str):
    while True:
        state = driver.runtime.inspect(name)
        if not state.running and state.status != "restarting":
            return state
        time.sleep(0.1)
