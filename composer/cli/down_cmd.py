"""compose down: stop and remove the project's containers (and with -v its volumes)."""


def add_arguments(parser) -> None:
    parser.add_argument("-v", "--volumes", action="store_true", help="remove the named volumes of the project")
    parser.add_argument("--remove-orphans", action="store_true", help="also remove containers of services not in the compose files")
    parser.add_argument("-t", "--timeout", type=float, metavar="SECONDS", help="shutdown timeout")
    parser.add_argument("--rmi", choices=("local", "all"), help="remove images used by services")
    parser.add_argument("--progress", choices=("plain", "tty", "quiet", "json"))


def run(args) -> int:
    from composer.cli import output
    from composer.cli.driver import open_driver
    from composer.cli.progress import open_progress
    from composer.verbs.down import down

    project = _project(args)
    if not args.dry_run:
        from composer.cli import project_lock

        project_lock.hold(project.name)
    engine = open_driver()
    if getattr(engine, "deploys_stack", False):
        from composer.cli import stack_cmd

        return stack_cmd.down(args, project.name, engine)
    with open_progress(args) as reporter:
        if args.dry_run:
            from composer.verbs import dry_run

            return dry_run.down(project, engine, reporter, args.volumes, args.remove_orphans, args.rmi)
        failures = down(project, engine, reporter, args.timeout, args.volumes, args.remove_orphans, args.rmi)
    for name, reason in failures.items():
        output.error(f"container {name}: {reason}")
    return 1 if failures else 0


def _project(args):
    """The project from its files; with -p and no files, as Compose v2 does, just its name:
    everything of it on this host is then removed as an orphan."""
    from pathlib import Path

    from composer.cli.context import load_project
    from composer.config.model import Project
    from composer.errors import ComposeError

    try:
        return load_project(args)
    except ComposeError:
        if not args.project_name or args.file:
            raise
        args.remove_orphans = True
        return Project(name=args.project_name, project_dir=Path.cwd())
