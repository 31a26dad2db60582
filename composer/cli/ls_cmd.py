"""compose ls: the projects on this host, from their records (no daemon to ask)."""


def add_arguments(parser) -> None:
    parser.add_argument("-a", "--all", action="store_true", help="show stopped projects too")
    parser.add_argument("-q", "--quiet", action="store_true", help="only display project names")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--filter", action="append", default=[], metavar="name=TEXT", help="only projects whose name contains TEXT")


def name_filters(filters: list[str]) -> list[str]:
    """--filter name=TEXT (Compose's only one); anything else is refused in Compose's words."""
    from composer.errors import ComposerError

    found = []
    for item in filters:
        key, equals, value = item.partition("=")
        if not equals:
            raise ComposerError(f"bad format of filter (expected name=value): {item}")
        if key != "name":
            raise ComposerError(f"invalid filter '{key}'")
        found.append(value)
    return found


def run(args) -> int:
    from collections import Counter

    from composer.cli import output
    from composer.cli.driver import open_driver
    from composer.errors import ComposerError

    try:
        wanted = name_filters(args.filter)
    except ComposerError as exc:
        output.failure(exc.message)  # Compose's words, as they are
        return 1
    driver = open_driver()
    rows = []
    for name, info in driver.known_projects().items():
        if not all(text in name for text in wanted):  # Docker's name filter: a substring
            continue
        counts = Counter(state.status for state in driver.containers(name))
        if not counts or (not args.all and not counts.get("running")):
            continue
        status = ", ".join(f"{status}({count})" for status, count in sorted(counts.items()))
        rows.append({"Name": name, "Status": status, "ConfigFiles": ",".join(info.get("files", []))})
    if args.quiet:
        for row in rows:
            output.line(row["Name"])
    elif args.format == "json":
        import json

        output.line(json.dumps(rows))
    else:
        output.line(f"{'NAME':<20} {'STATUS':<24} CONFIG FILES")
        for row in rows:
            output.line(f"{row['Name']:<20} {row['Status']:<24} {row['ConfigFiles']}")
    return 0
