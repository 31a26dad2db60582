"""compose export SERVICE: the container's filesystem (image and writable layer, no volumes) as a tar."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("service", metavar="SERVICE")
    parser.add_argument("--index", type=int, default=0, help="index of the container if service has multiple replicas")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to a file, instead of STDOUT")


def run(args) -> int:
    import os
    import sys

    from composer.cli.context import load_project
    from composer.cli.driver import open_driver
    from composer.errors import ComposerError

    project = load_project(args, quiet=True)
    driver = open_driver()
    states = [s for s in driver.containers(project.name, args.service) if not driver.is_one_off(project.name, s.name)]
    wanted = f"{project.name}-{args.service}-{args.index or 1}"
    if not any(s.name == wanted for s in states):
        raise ComposerError(f"service {args.service!r} is not running with index {args.index}" if args.index else f"no container found for service {args.service!r}")
    if args.output is None and sys.stdout.isatty():
        raise ComposerError("output option is required when exporting to terminal", "use -o FILE or redirect stdout")  # Compose's words
    if args.dry_run:
        return 0
    if args.output is None:
        driver.export(wanted, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return 0
    partial = f"{args.output}.partial"
    try:
        with open(partial, "wb") as out:
            driver.export(wanted, out)
        os.replace(partial, args.output)
    except OSError as exc:
        raise ComposerError(f"export {wanted} to {args.output}: {exc.strerror or exc}") from None
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return 0
