"""compose up: create and start containers; attached, stream their logs until they end."""

from __future__ import annotations

import time


def add_arguments(parser) -> None:
    from composer.cli.create_flags import add_create_flags

    parser.add_argument("services", nargs="*", metavar="SERVICE")
    add_create_flags(parser)
    parser.add_argument("-d", "--detach", action="store_true", help="run containers in the background")
    parser.add_argument("--wait", action="store_true", help="wait for services to be running|healthy (implies -d)")
    parser.add_argument("--wait-timeout", type=float, metavar="SECONDS", help="maximum time to wait with --wait")
    parser.add_argument("--no-start", action="store_true", help="don't start the services after creating them")
    parser.add_argument("--no-deps", action="store_true", help="don't start linked services")
    parser.add_argument("--abort-on-container-exit", action="store_true", help="stop all containers if any container stops")
    parser.add_argument("--exit-code-from", metavar="SERVICE", help="return the exit code of SERVICE's container (implies --abort-on-container-exit)")
    parser.add_argument("--attach", action="append", default=[], metavar="SERVICE", help="attach to the output of SERVICE only")
    parser.add_argument("--no-attach", action="append", default=[], metavar="SERVICE", help="don't attach to SERVICE's output")
    parser.add_argument("-t", "--timeout", type=float, metavar="SECONDS", help="shutdown timeout")
    parser.add_argument("--no-color", action="store_true", help="monochrome output")
    parser.add_argument("--no-log-prefix", action="store_true", help="don't print the container name before each line")
    parser.add_argument("--timestamps", action="store_true", help="show timestamps")
    parser.add_argument("--progress", choices=("plain", "tty", "quiet", "json"), help="progress output type")
    parser.add_argument("-w", "--watch", action="store_true", help="watch source code and rebuild/refresh containers")
    parser.add_argument("--allow-dropped", action="store_true", help="swarm driver: deploy without the settings Swarm cannot express (each is named)")
    parser.add_argument("--registry", metavar="HOST:PORT", help="swarm driver: the registry built images are pushed to (else x-registry)")


def _scale(values: list[str]) -> dict[str, int]:
    from composer.errors import ComposerError

    found = {}
    for value in values:
        name, _, number = value.partition("=")
        if not number.isdigit():
            raise ComposerError(f"--scale {value}: expected SERVICE=NUMBER", "e.g. --scale web=3")
        found[name] = int(number)
    return found


def run(args) -> int:
    from composer.cli import output, project_lock
    from composer.cli.context import load_project
    from composer.cli.progress import open_progress
    from composer.errors import ComposerError

    if args.watch and (args.detach or args.wait or args.no_start):
        raise ComposerError("up --watch runs attached: it cannot be combined with --detach, --wait or --no-start", "use compose watch for a detached project")
    if args.force_recreate and args.no_recreate:
        raise ComposerError("--force-recreate and --no-recreate are incompatible", "choose one")
    if args.build and args.no_build:
        raise ComposerError("--build and --no-build are incompatible", "choose one")
    if args.no_color:
        output.configure("never")
    project = load_project(args, services=tuple(args.services))
    if args.no_build:
        from composer.cli.create_flags import without_builds

        project = without_builds(project)
    from composer.cli.driver import deploys_stack, open_driver

    if deploys_stack():
        from composer.cli import stack_cmd

        return stack_cmd.up(args, project, open_driver())
    if not args.dry_run:
        project_lock.hold(project.name)
    if _already_up(args, project):
        return 0
    from composer.plan.service import Strategy
    from composer.verbs.options import UpOptions
    from composer.verbs.up import up

    engine = open_driver()
    if not (args.dry_run or args.no_start):
        engine.prepare_to_start()  # the supervisors' zygote starts while up plans
    options = UpOptions(
        services=tuple(args.services),
        no_deps=args.no_deps,
        strategy=Strategy(args.force_recreate, args.no_recreate, args.no_start),
        scale=_scale(args.scale),
        pull=args.pull,
        build=args.build,
        remove_orphans=args.remove_orphans,
        stop_timeout=args.timeout,
    )
    converge = up
    if args.dry_run:
        from composer.verbs import dry_run

        converge = dry_run.up  # the same checks and plan, reported, nothing done
    waited = None
    with open_progress(args) as reporter:  # ended before any failure or log line is printed
        result = converge(project, options, reporter, engine)
        if args.wait and not (args.no_start or args.dry_run):
            waited = _wait(project, engine, args.wait_timeout, reporter)
    project_lock.release(project.name)
    print_failures(result)
    if args.no_start or args.dry_run:
        return 0 if result.ok else 1
    if args.wait:
        for text in waited.lines() if waited else ():
            output.failure(text)
        return 0 if result.ok and waited is None else 1
    if args.detach:
        return 0 if result.ok else 1
    if args.watch:
        from composer.cli.watch_cmd import attached_with_watch

        return attached_with_watch(project, engine, args, result.ok)
    return _attached(project, engine, args, result.ok)


def _already_up(args, project) -> bool:
    """`up -d` of a running project unchanged since it converged: report it, skip planning
    (the driver checks its record against what is live)."""
    from composer.cli.progress import open_progress

    changes_plan = (args.services or args.force_recreate or args.no_recreate or args.no_start or args.no_deps
                    or args.scale or args.build or args.watch or args.dry_run or args.pull == "always")
    if changes_plan or not (args.detach or args.wait):
        return False
    from composer.cli.driver import open_driver

    states = open_driver().unchanged(project)
    if states is None or (args.wait and any(s.health is not None and s.health.status != "healthy" for s in states)):
        return False
    with open_progress(args) as reporter:
        for state in states:
            reporter.status("Container", state.name, "Running")
    return True


def print_failures(result) -> None:
    """Compose v2's own lines as they are (once each), then ours for the other failures."""
    from composer.cli import output

    said: list[str] = []
    for lines in result.said.values():
        said += [text for text in lines if text not in said]
    for text in said:
        output.failure(text)
    for service, reason in result.failures.items():
        if service not in result.said:
            output.error(f"service {service}: {reason}" if not reason.startswith("service ") else reason)


def _wait(project, engine, timeout: float | None, reporter):
    """`up --wait`: every container of the project running, and healthy where it has a health
    check, within one deadline for all; the ConditionFailed when not, else None."""
    from composer.executor.conditions import HEALTHY, STARTED, ConditionFailed, wait_for
    from composer.config.units import format_duration

    def waited_on():
        return [s for s in engine.containers(project.name) if s.service in project.services]

    def report(name: str, text: str) -> None:
        reporter.status("Container", name, text)

    if not waited_on():  # nothing was created (every service failed or was left out): nothing to wait for
        return None
    limit = "" if timeout is None else format_duration(int(timeout * 1e9))
    try:
        wait_for(waited_on, lambda s: HEALTHY if s.health is not None else STARTED, timeout, report,
                 timeout_message=f"application not healthy after {limit}", announce_started=True)
    except ConditionFailed as exc:
        return exc
    return None


def _attached(project, engine, args, ok: bool) -> int:
    """Stream logs until every container ended (or one did, with --abort-on-container-exit)."""
    from composer.cli import output
    from composer.cli.log_stream import LogStream, shown_name
    from composer.cli.progress import open_progress
    from composer.verbs.down import stop_project

    attach = set(args.attach) or {n for n, s in project.services.items() if s.attach}
    attach -= set(args.no_attach)
    watched = [s for s in engine.containers(project.name) if s.service in attach]
    stream = LogStream(timestamps=args.timestamps, with_prefix=not args.no_log_prefix, project=project.name, split=True)
    names = [s.name for s in watched]
    if names:  # Compose's first line, then each container's exit as it comes
        output.line(f"Attaching to {', '.join(shown_name(project.name, n) for n in sorted(names))}")
    stream.follow(names, engine.log_reader, tail=None)
    exits = _ExitLines(stream, project.name, names)
    abort = args.abort_on_container_exit or bool(args.exit_code_from)
    try:
        ended = _wait_until_ended(engine, project, names, abort, exits)
    except KeyboardInterrupt:
        output.error("Gracefully stopping... (press Ctrl+C again to force)")
        ended = None
    if abort and ended is not None:
        output.failure(output.colored("Aborting on container exit...", "31;1"))
    try:
        with open_progress(args) as reporter:
            stop_project(project, engine, reporter, timeout=args.timeout)
    except KeyboardInterrupt:
        for state in engine.containers(project.name):
            engine.runtime.kill(state.name)
        return 130
    finally:
        stream.stop()  # the stopped containers' last lines are shown, then how they ended
        exits.show([s for s in engine.containers(project.name) if s.name in names])
    return _exit_code(engine, project, args, ended, ok)


class _ExitLines:
    """`web-1 exited with code 0`, once per watched container, after its last log lines."""

    def __init__(self, stream, project: str, names: list[str]) -> None:
        self.stream, self.project, self.pending = stream, project, set(names)

    def show(self, states) -> None:
        from composer.cli.log_stream import shown_name

        for state in states:
            if state.name in self.pending and state.status in ("exited", "dead"):
                self.pending.discard(state.name)
                time.sleep(0.2)  # its log reader catches up (it polls every 0.1 s)
                self.stream.line(f"\r\x1b[K{shown_name(self.project, state.name)} exited with code {state.exit_code or 0}")


def _wait_until_ended(engine, project, names: list[str], abort: bool, exits: _ExitLines):
    """The first container that ended (abort mode) or the last one; None if none are watched."""
    if not names:
        return None
    while True:
        states = [s for s in engine.containers(project.name) if s.name in names]
        ended = [s for s in states if s.status in ("exited", "dead")]
        exits.show(ended)
        if ended and (abort or len(ended) == len(states)):
            return ended[0]
        time.sleep(0.1)


def _exit_code(engine, project, args, ended, ok: bool) -> int:
    if args.exit_code_from:
        states = engine.containers(project.name, args.exit_code_from)
        return states[0].exit_code or 0 if states else 1
    if args.abort_on_container_exit and ended is not None:
        return ended.exit_code or 0
    return 0 if ok else 1
