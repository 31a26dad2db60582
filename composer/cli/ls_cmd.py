"""compose ls: the projects on this host, from their records (no daemon to ask)."""


def add_arguments(parser) -> None:
    parser.add_argument("-a", "--all", action="store_true", help="show stopped projects too")
    parser.add_argument("-q", "--quiet", action="store_true", help="only display project names")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def run(args) -> int:
    from collections import Counter

    from composer.cli import output
    from composer.cli.driver import open_driver

    driver = open_driver()
    rows = []
    for name, info in driver.known_projects().items():
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
