"""compose commit SERVICE REPOSITORY[:TAG]: a service container's changes as a new image in the local store."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("reference", nargs="?", metavar="REPOSITORY[:TAG]")
    parser.add_argument("-a", "--author", default="", help='author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    parser.add_argument("-c", "--change", action="append", default=[], help="apply Dockerfile instruction to the created image (not supported)")
    parser.add_argument("--index", type=int, default=0, help="index of the container if service has multiple replicas")
    parser.add_argument("-m", "--message", default="", help="commit message")
    parser.add_argument("-p", "--pause", nargs="?", const="true", default="true", choices=("true", "false"), metavar="true|false",
                        help="pause container during commit (default true; --pause=false does not)")


def run(args) -> int:
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.cli.progress import open_progress
    from composer.errors import ComposerError

    if args.change:
        raise ComposerError("commit --change is not supported: composer keeps the image's config", "change it in a Dockerfile and build")
    if not args.reference:
        raise ComposerError("commit needs REPOSITORY[:TAG]: composer's store keeps only named images")
    project = load_project(args, quiet=True)
    driver = open_driver()
    name = f"{project.name}-{args.service}-{args.index or 1}"
    if name not in {s.name for s in driver.containers(project.name, args.service)}:
        raise ComposerError(f"service {args.service!r} is not running with index {args.index}" if args.index else f"no container found for service {args.service!r}")
    with open_progress(args, title="Committing") as reporter:
        if args.dry_run:
            reporter.status("Container", name, "Committed")
            return 0
        image_id = driver.commit_container(project.name, name, args.reference, args.author, args.message, args.pause == "true",
                                           project.services.get(args.service))
        reporter.status("Container", name, f"Committed as {image_id}")
    return 0
