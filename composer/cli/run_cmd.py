"""compose run: a one-off container of a service, with another command; its exit code is ours.

The container is named <project>-<service>-run-<hex>, starts after the service's
dependencies (unless --no-deps), and its output streams here until it exits. Standard
input is not connected (the supervisor owns the container's stdio): use `exec -it` on a
running container for interactive work.
"""

from __future__ import annotations

import argparse


def add_arguments(parser) -> None:
    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND [ARG...]")
    parser.add_argument("--rm", action="store_true", help="remove the container when it exits")
    parser.add_argument("-d", "--detach", action="store_true", help="run in the background and print the container name")
    parser.add_argument("--no-deps", action="store_true", help="don't start linked services")
    parser.add_argument("-e", "--env", action="append", default=[], metavar="KEY=VAL")
    parser.add_argument("-v", "--volume", action="append", default=[], metavar="SRC:DST[:ro]", help="bind mount a volume")
    parser.add_argument("--entrypoint", help="override the entrypoint of the image")
    parser.add_argument("-u", "--user", help="run as this user")
    parser.add_argument("-w", "--workdir", help="working directory inside the container")
    parser.add_argument("--name", help="name for the container")
    parser.add_argument("-T", "--no-TTY", dest="no_tty", action="store_true", help="disable pseudo-TTY allocation")
    parser.add_argument("-P", "--service-ports", action="store_true", help="publish the service's ports")


def run(args) -> int:
    import dataclasses
    import secrets
    import shlex

    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import PlainProgress
    from composer.config.model import BindOptions, Mount
    from composer.errors import ComposerError
    from composer.verbs.options import UpOptions
    from composer.verbs.up import up

    project = load_project(args, services=(args.service,))
    if args.service not in project.services:
        raise ComposerError(f"no such service: {args.service}", f"choose from {', '.join(project.services)}")
    engine = open_driver()
    if not args.dry_run:
        engine.prepare_to_start()  # the supervisors' zygote starts while run plans
    reporter = PlainProgress()
    service = project.services[args.service]
    deps = tuple(d for d in service.depends_on if d in project.services or d in project.ambassadors)
    converge = up
    if args.dry_run:
        from composer.verbs import dry_run

        converge = dry_run.up  # dependencies planned and reported, nothing done
    if deps and not args.no_deps:
        started = converge(project, UpOptions(services=deps), reporter, engine)
        if not started.ok:
            raise ComposerError(f"dependencies of {args.service} failed: {'; '.join(started.failures.values())}")
    env = dict(service.environment)
    env.update(item.split("=", 1) if "=" in item else (item, None) for item in args.env)
    mounts = service.volumes + tuple(_bind(spec, BindOptions, Mount) for spec in args.volume)
    one_off = dataclasses.replace(
        service,
        command=tuple(args.command) if args.command else service.command,
        entrypoint=tuple(shlex.split(args.entrypoint)) if args.entrypoint else service.entrypoint,
        environment=env,
        volumes=mounts,
        user=args.user or service.user,
        working_dir=args.workdir or service.working_dir,
        container_name=args.name or f"{project.name}-{service.name}-run-{secrets.token_hex(6)}",
        restart="no",
        deploy=None,
        scale=1,
        ports=service.ports if args.service_ports else (),
        depends_on={},
    )
    if args.dry_run:
        dry_run.DryRunReporter(reporter).steps("Container", one_off.container_name, "Creating", "Created", "Starting", "Started")
        return 0
    one_project = dataclasses.replace(project, services={**project.services, service.name: one_off})
    return _run_one(one_project, one_off, engine, reporter, args)


def _bind(spec: str, BindOptions, Mount):
    import os

    parts = spec.split(":")
    source, target = os.path.abspath(parts[0]), parts[1] if len(parts) > 1 else parts[0]
    return Mount(type="bind", source=source, target=target, read_only=len(parts) > 2 and parts[2] == "ro", bind=BindOptions())


def _run_one(project, service, engine, reporter, args) -> int:
    import time

    from composer.cli import output
    from composer.cli.log_stream import LogStream
    from composer.verbs.run import run_one_off

    name = run_one_off(project, service, reporter, engine)
    if args.detach:
        output.line(name)
        return 0
    stream = LogStream(with_prefix=False)
    stream.follow([name], engine.log_reader, tail=None)
    try:
        while engine.runtime.inspect(name).status not in ("exited", "dead"):
            time.sleep(0.05)
    except KeyboardInterrupt:
        engine.runtime.stop(name, 1)
    stream.stop()
    code = engine.runtime.inspect(name).exit_code
    if args.rm:
        engine.remove_container(project.name, name)
    return 1 if code is None else code
