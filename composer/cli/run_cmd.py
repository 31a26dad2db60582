"""compose run: a one-off container of a service, with another command; its exit code is ours.

As Compose v2: on a project never brought up, what the service needs is made first
(networks, volumes, and its dependencies unless --no-deps). The container is named
<project>-<service>-run-<12 hex> and kept after it exits unless --rm (`ps -a` lists it).
Standard input is the container's (-i, on by default; the supervisor hands our stdin to
it), with a terminal when ours is one (-T: never; -t: asked for). Its stdout and stderr
come back on ours, each on its own.
"""

from __future__ import annotations

import argparse


def _go_bool(text: str) -> bool:
    """Go's boolean flag values: --interactive=false."""
    value = text.lower()
    if value in ("1", "t", "true"):
        return True
    if value in ("0", "f", "false"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean value {text!r}")


def add_arguments(parser) -> None:
    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND [ARG...]")
    parser.add_argument("--rm", action="store_true", help="remove the container when it exits")
    parser.add_argument("-d", "--detach", action="store_true", help="run in the background and print the container ID")
    parser.add_argument("--no-deps", action="store_true", help="don't start linked services")
    parser.add_argument("-e", "--env", action="append", default=[], metavar="KEY=VAL")
    parser.add_argument("--env-from-file", action="append", default=[], metavar="FILE", help="set environment variables from a file")
    parser.add_argument("-l", "--label", action="append", default=[], metavar="KEY=VAL", help="add or override a label")
    parser.add_argument("-v", "--volume", action="append", default=[], metavar="SRC:DST[:ro]", help="bind mount a volume")
    parser.add_argument("-p", "--publish", action="append", default=[], metavar="[IP:]HOST:CONTAINER", help="publish a container's port")
    parser.add_argument("--entrypoint", help="override the entrypoint of the image")
    parser.add_argument("-u", "--user", help="run as this user")
    parser.add_argument("-w", "--workdir", help="working directory inside the container")
    parser.add_argument("--name", help="name for the container")
    parser.add_argument("--cap-add", action="append", default=[], metavar="CAP")
    parser.add_argument("--cap-drop", action="append", default=[], metavar="CAP")
    # Short flags combine (-it, -iT); the long ones take Go's =false as well.
    parser.add_argument("-i", dest="interactive", action="store_true", default=True, help="keep stdin open (default true)")
    parser.add_argument("--interactive", nargs="?", const=True, type=_go_bool, help="--interactive=false: no stdin")
    parser.add_argument("-t", dest="tty", action="store_const", const=True, default=None, help="allocate a pseudo-TTY")
    parser.add_argument("--tty", nargs="?", const=True, type=_go_bool, help="--tty=false: no terminal")
    parser.add_argument("-T", "--no-TTY", dest="no_tty", action="store_true", help="disable pseudo-TTY allocation")
    parser.add_argument("-P", "--service-ports", action="store_true", help="publish the service's ports")
    parser.add_argument("--use-aliases", action="store_true", help="answer to the service's name and network aliases")
    parser.add_argument("--pull", choices=("always", "missing", "never", "policy"), default="policy")
    parser.add_argument("--build", action="store_true", help="build the image before starting")
    parser.add_argument("--remove-orphans", action="store_true", help="remove containers of services not in the files")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but the container's output")
    parser.add_argument("--quiet-pull", action="store_true")
    parser.add_argument("--quiet-build", action="store_true")


def run(args) -> int:
    import dataclasses
    import secrets
    import sys

    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import PlainProgress
    from composer.cli.run_options import one_off_name, one_off_service
    from composer.errors import ComposerError
    from composer.verbs.options import UpOptions
    from composer.verbs.up import up

    project = load_project(args, services=(args.service,))
    if args.service not in project.services:
        raise ComposerError(f"no such service: {args.service}", f"choose from {', '.join(project.services)}")
    stdin_tty = sys.stdin.isatty()
    asked_tty = args.tty
    args.tty = (stdin_tty if args.tty is None else args.tty) and not args.no_tty and not args.detach
    args.interactive = args.interactive and not args.detach
    if asked_tty and args.tty and args.interactive and not stdin_tty:
        from composer.cli import output

        output.failure("the input device is not a TTY")  # Compose's words (docker run -t's too)
        return 1
    engine = open_driver()
    if not args.dry_run:
        engine.prepare_to_start()  # the supervisors' zygote starts while run plans
    reporter = _Quiet() if args.quiet else PlainProgress()
    service = project.services[args.service]
    env_files = _env_from_files(args.env_from_file)
    name = one_off_name(project.name, service.name, secrets.token_hex(6))
    one_off = one_off_service(project, service, args, name, env_files)
    pull = None if args.pull == "policy" else args.pull
    deps = tuple(d for d in service.depends_on if d in project.services or d in project.ambassadors)
    one_project = dataclasses.replace(project, services={**project.services, service.name: one_off})
    if args.dry_run:
        return _dry_run(project, one_project, deps, one_off, reporter, engine, args, pull)
    if deps and not args.no_deps:
        started = up(_without_own_ports(project, service, engine), UpOptions(services=deps, remove_orphans=args.remove_orphans, pull=pull), reporter, engine)
        if not started.ok:
            raise ComposerError(f"dependencies of {args.service} failed: {'; '.join(started.failures.values())}")
    return _run_one(project, one_project, one_off, engine, reporter, args, pull)


def _dry_run(project, one_project, deps, one_off, reporter, engine, args, pull) -> int:
    from composer.verbs import dry_run, run
    from composer.verbs.options import UpOptions

    with_deps = bool(deps) and not args.no_deps
    if with_deps:
        dry_run.up(project, UpOptions(services=deps), reporter, engine)  # planned and reported, nothing done
    plan = run.plan(one_project, one_off, engine, args.use_aliases, pull, args.build)
    dry_run.one_off(plan, reporter, with_resources=not with_deps)  # the very Plan a real run carries out
    return 0


def _env_from_files(paths: list[str]) -> dict[str, str]:
    import os

    from composer.config.envfile import read_env_files

    return read_env_files(paths, dict(os.environ), []) if paths else {}


class _Quiet:
    def status(self, kind: str, name: str, text: str) -> None:
        pass


def _run_one(project, one_project, service, engine, reporter, args, pull) -> int:
    import sys

    from composer.cli import output
    from composer.cli.run_attach import attached
    from composer.verbs.run import run_one_off

    stdin = sys.stdin.fileno() if args.interactive else None
    had_ports = bool(engine.published_ports(project.name))
    try:
        name = run_one_off(one_project, service, reporter, engine, stdin=stdin, use_aliases=args.use_aliases, pull=pull, build=args.build)
    except BaseException:
        if service.ports:
            _restore_ports(engine, project, had_ports)
        raise
    if args.detach:  # Compose prints the container's full id
        output.line(engine.container_id(project.name, name))
        return 0
    try:
        code = attached(engine, name, args.tty and sys.stdin.isatty())
    finally:
        if args.rm:
            engine.remove_container(project.name, name)
        if service.ports:
            _restore_ports(engine, project, had_ports)
    return 1 if code is None else code


def _without_own_ports(project, service, engine):
    """The project for `up` of the dependencies: the run service's ports are not published
    by it (Compose publishes none of them) unless an earlier `up` did."""
    import dataclasses

    if any(p["name"] == service.name for p in engine.published_ports(project.name)):
        return project
    return dataclasses.replace(project, services={**project.services, service.name: dataclasses.replace(service, ports=())})


def _restore_ports(engine, project, had_ports: bool) -> None:
    """The one-off's ports go; the project's own are published again if they were."""
    import dataclasses

    if not had_ports:
        project = dataclasses.replace(project, services={n: dataclasses.replace(s, ports=()) for n, s in project.services.items()}, ambassadors={})
    engine.publish_ports(project)
