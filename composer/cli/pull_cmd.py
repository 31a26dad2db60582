"""compose pull: pull the services' images into the local store (skopeo, any registry)."""


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("-q", "--quiet", action="store_true", help="pull without printing progress")
    parser.add_argument("--ignore-pull-failures", action="store_true", help="pull what it can")
    parser.add_argument("--ignore-buildable", action="store_true", help="ignore images that can be built")
    parser.add_argument("--policy", choices=("missing", "always"), default="always", help="apply pull policy")
    parser.add_argument("--include-deps", action="store_true", help="also pull the services they depend on")


def with_dependencies(project, names: set[str]) -> set[str]:
    """The services and, transitively, those they depend on."""
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in found or name not in project.services:
            continue
        found.add(name)
        todo.extend(project.services[name].depends_on)
    return found


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.errors import ComposerError

    project = load_project(args, services=tuple(args.services))
    store = open_driver().images
    wanted = with_dependencies(project, set(args.services)) if args.include_deps else set(args.services)
    if args.dry_run:
        from composer.cli.progress import progress_for
        from composer.verbs import dry_run

        return dry_run.pull(project, store, sorted(wanted), args.policy, args.ignore_buildable, progress_for(args))
    failed = 0
    for name, service in project.services.items():
        if wanted and name not in wanted or not service.image:
            continue
        if service.build is not None and args.ignore_buildable:
            continue
        try:
            store.pull(service.image, policy=args.policy)
            if not args.quiet:
                output.line(f" Image {service.image}  Pulled")
        except ComposerError as exc:
            if not args.ignore_pull_failures:
                raise ComposerError(f"service {name}: {exc.message}", exc.hint) from None
            output.warning(f"service {name}: {exc.one_line()}")
            failed += 1
    return 0
