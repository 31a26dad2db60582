"""compose exec: run a command in a running container of a service (runc exec)."""


def add_arguments(parser) -> None:
    import argparse

    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="COMMAND [ARG...]")
    parser.add_argument("-T", "--no-tty", "--no-TTY", dest="no_tty", action="store_true", help="disable pseudo-TTY allocation")
    parser.add_argument("-u", "--user", help="run the command as this user")
    parser.add_argument("-w", "--workdir", help="working directory for the command")
    parser.add_argument("-e", "--env", action="append", default=[], metavar="KEY=VAL", help="set environment variables")
    parser.add_argument("--privileged", action="store_true", help="give extended privileges to the process (every capability)")
    parser.add_argument("--index", type=int, default=1, help="index of the container if the service has several")
    parser.add_argument("-d", "--detach", action="store_true", help="not supported: run in the background")


def run(args) -> int:
    import sys

    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.errors import ComposerError

    if not args.command:
        raise ComposerError("exec needs a command to run", "e.g. compose exec SERVICE sh")
    if args.detach:
        raise ComposerError("exec -d is not supported", "run the command in the foreground")
    project = load_project(args)
    engine = open_driver()
    states = [s for s in engine.containers(project.name, args.service) if s.status == "running"]
    if not states:
        raise ComposerError(f"service {args.service} has no running container", "start it with compose up -d")
    if not 1 <= args.index <= len(states):
        raise ComposerError(f"service {args.service} has no container number {args.index}", f"use 1 to {len(states)}")
    if args.dry_run:  # the command could change anything: name it, run nothing
        from composer.cli.progress import PlainProgress
        from composer.verbs.dry_run import DryRunReporter

        DryRunReporter(PlainProgress()).status("Container", states[args.index - 1].name, f"Exec {' '.join(args.command)}")
        return 0
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in args.env)
    tty = False if args.no_tty else (sys.stdin.isatty() and sys.stdout.isatty())
    return engine.runtime.exec(states[args.index - 1].name, args.command, env=env, user=args.user, cwd=args.workdir, tty=tty, privileged=args.privileged)
