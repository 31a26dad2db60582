"""compose build: build the services' images with buildah into the local store (no daemon)."""


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("--no-cache", action="store_true", help="do not use cache when building the image")
    parser.add_argument("--pull", action="store_true", help="always attempt to pull a newer version of the base images")
    parser.add_argument("--build-arg", action="append", default=[], metavar="KEY=VAL", help="set build-time variables")
    parser.add_argument("-q", "--quiet", action="store_true", help="don't print anything to stdout")
    parser.add_argument("--progress", choices=("plain", "tty", "quiet", "json"))


def run(args) -> int:
    import sys

    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import progress_for
    from composer.errors import ComposerError

    project = load_project(args, services=tuple(args.services))
    unknown = [name for name in args.services if name not in project.services]
    if unknown:
        raise ComposerError(f"no such service: {', '.join(unknown)}", f"choose from {', '.join(project.services)}")
    if args.dry_run:
        from composer.verbs import dry_run

        return dry_run.build(project, args.services, progress_for(args))
    build_args = dict(item.split("=", 1) if "=" in item else (item, "") for item in args.build_arg)
    engine = open_driver()
    reporter = progress_for(args)
    shown = None if args.quiet else (lambda line: sys.stdout.write(line.rstrip("\n") + "\n"))
    for name, service in project.services.items():
        if service.build is None or (args.services and name not in args.services):
            continue
        warn = lambda line, n=name: reporter.status("Service", n, f"Warning: {line}")  # noqa: E731
        options = {"no_cache": args.no_cache, "pull": args.pull, "build_args": build_args, "progress": shown, "warn": warn}
        engine.build_image(project, service, reporter, options)
    return 0
