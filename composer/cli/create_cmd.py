"""compose create: `up --no-start` under Compose v2's own name and flags."""

from __future__ import annotations


def add_arguments(parser) -> None:
    from composer.cli.create_flags import add_create_flags

    parser.add_argument("services", nargs="*", metavar="SERVICE")
    add_create_flags(parser)


def run(args) -> int:
    from composer.cli import up_cmd

    return up_cmd.run(as_up(args, services=args.services, scale=args.scale, no_start=True, no_deps=False))


def as_up(args, **changes):
    """The namespace `up -d` would have, with args' global and shared flags and `changes`."""
    from argparse import Namespace

    values = {
        "detach": True, "wait": False, "wait_timeout": None, "force_recreate": False, "no_recreate": False,
        "no_start": False, "no_deps": False, "scale": [], "remove_orphans": False, "abort_on_container_exit": False,
        "exit_code_from": None, "attach": [], "no_attach": [], "timeout": None, "pull": None, "quiet_pull": False,
        "no_color": False, "no_log_prefix": False, "timestamps": False, "progress": None, "build": False, "no_build": False, "watch": False,
    }
    values.update({key: value for key, value in vars(args).items() if not key.startswith("_")})
    values.update(changes)
    return Namespace(**values)
