"""compose scale SERVICE=N…: `up -d --scale` of those services (their dependencies too, unless --no-deps)."""

from __future__ import annotations


def add_arguments(parser) -> None:
    parser.add_argument("replicas", nargs="*", metavar="SERVICE=REPLICAS")
    parser.add_argument("--no-deps", action="store_true", help="don't start linked services")


def parse_replicas(values: list[str]) -> dict[str, int]:
    """Compose v2's parseServicesReplicasArgs, with its messages."""
    from composer.errors import ComposerError

    if not values:
        raise ComposerError("requires at least 1 arg(s), only received 0", "e.g. compose scale web=3")
    found = {}
    for value in values:
        name, sep, number = value.partition("=")
        if not (sep and name and number):
            raise ComposerError(f"invalid scale specifier: {value}")
        try:
            found[name] = int(number)
        except ValueError:
            raise ComposerError(f"invalid scale specifier: can't parse replica value as int: {value}") from None
        if found[name] < 0:
            raise ComposerError(f"invalid scale specifier: {value}: replicas can't be negative")
    return found


def run(args) -> int:
    from composer.cli import up_cmd
    from composer.cli.context import load_project
    from composer.cli.create_cmd import as_up
    from composer.errors import ComposerError

    replicas = parse_replicas(args.replicas)
    known = load_project(args, quiet=True).services
    for name in replicas:
        if name not in known:
            raise ComposerError(f"no such service: {name}")
    services = sorted(replicas)
    return up_cmd.run(as_up(args, services=services, scale=[f"{k}={v}" for k, v in replicas.items()], no_deps=args.no_deps))
