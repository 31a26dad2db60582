"""compose push: push the images of services that build one (image: and build:), as Compose v2;
other services are Skipped. Copies from the local store with skopeo (the driver's push_image)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("--ignore-push-failures", action="store_true", help="push what it can; ignore images that fail")
    parser.add_argument("--include-deps", action="store_true", help="also push images of services declared as dependencies")
    parser.add_argument("-q", "--quiet", action="store_true", help="push without printing progress information")


def chosen(project, services: list[str], include_deps: bool) -> list[str]:
    """The services to push, in the files' order: all, or those named (and their dependencies)."""
    from composer.cli.context import with_dependencies

    closure = with_dependencies(project, services)  # also says `no such service` for a wrong name
    wanted = set(closure if include_deps else services) or set(project.services)
    return [name for name in project.services if name in wanted]


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import open_progress
    from composer.errors import ComposerError

    project = load_project(args)
    names = chosen(project, args.services, args.include_deps)
    driver = open_driver()
    if args.quiet:
        args.progress = "quiet"
    with open_progress(args, title="Pushing") as reporter:
        for name in names:
            service = project.services[name]
            if service.build is None or not service.image:
                reporter.status("Service", name, "Skipped")
                continue
            for tag in (service.image, *service.build.tags):
                if args.dry_run:
                    reporter.status("Image", tag, "Pushed")
                    continue
                reporter.status("Image", tag, "Pushing")
                try:
                    driver.push_image(tag)
                except ComposerError as exc:
                    if not args.ignore_push_failures:
                        raise
                    output.warning(f"Pushing {name}: {exc.one_line()}")
                    continue
                reporter.status("Image", tag, "Pushed")
    return 0
