"""compose ps: the project's containers; `--format json` is one JSON object per line (Compose ≥ 2.21)."""

from __future__ import annotations

from datetime import datetime, timezone

STATUSES = ("paused", "restarting", "removing", "running", "dead", "created", "exited")


def add_arguments(parser) -> None:
    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("-a", "--all", action="store_true", help="show stopped containers too")
    parser.add_argument("-q", "--quiet", action="store_true", help="only display names")
    parser.add_argument("--services", dest="only_services", action="store_true", help="display services")
    parser.add_argument("--status", action="append", default=[], choices=STATUSES, help="filter by status")
    parser.add_argument("--format", choices=("table", "json"), default="table")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project

    project = load_project(args)
    states = project_containers(project.name)
    ports = _publishers(project.name)
    if args.services:
        states = [s for s in states if s.service in args.services]
    if args.status:
        states = [s for s in states if s.status in args.status]
    elif not args.all:
        states = [s for s in states if s.status in ("running", "paused", "restarting")]
    if args.quiet:
        for state in states:
            output.line(state.name)
    elif args.only_services:
        for name in dict.fromkeys(s.service for s in states):
            output.line(name)
    elif args.format == "json":
        for state in states:
            output.json_line(container_json(project.name, state, ports))
        for row in ambassador_rows(project, ports):
            output.json_line(row)
    else:
        _table([container_json(project.name, s, ports) for s in states] + ambassador_rows(project, ports))
    return 0


def project_containers(project_name: str) -> list:
    """The project's ContainerStates, straight from the runtime: composer.up's Engine would
    cost its imports (networkx, the image store…), a fifth of a second before any work."""
    from composer.runtime.runc_driver import RuncRuntime

    return RuncRuntime().list(project_name)


def _publishers(project_name: str) -> dict[str, list[dict]]:
    """Service → Compose-style Publishers entries, from the host proxy's record."""
    from composer import proxies

    found: dict[str, list[dict]] = {}
    for entry in proxies.published(project_name):
        found.setdefault(entry["name"], []).append(
            {"URL": entry["host_ip"], "TargetPort": entry["target"], "PublishedPort": entry["published"], "Protocol": entry["protocol"]}
        )
    return found


def ambassador_rows(project, ports: dict[str, list[dict]]) -> list[dict]:
    """Ambassadors as ps rows: their forwarder's state and counters; `ports` from _publishers()."""
    from composer import proxies

    rows = []
    for name, ambassador in project.ambassadors.items():
        alive = proxies.keeper_pid(project.name, name) is not None
        stats = proxies.read_stats(project.name, name).get("ambassadors", {}).get(name, {}) if alive else {}
        counters = {key: stats.get(key, 0) for key in ("active", "total", "bytes_in", "bytes_out", "connect_failures", "refused")}
        rows.append({
            "ID": proxies.ambassador_netns(project.name, name), "Name": proxies.ambassador_netns(project.name, name),
            "Image": "", "Command": f"{ambassador.listen} -> {ambassador.target}", "Project": project.name,
            "Service": name, "Created": 0, "State": "running" if alive else "exited",
            "Status": (f"Up ({counters['active']} active, {counters['total']} total, {counters['bytes_in']}B in, {counters['bytes_out']}B out)" if alive else "Exited"),
            "Health": "", "ExitCode": 0, "Publishers": ports.get(name, []),
            "Ambassador": {**counters, "targets": stats.get("targets", [])},
        })
    return rows


def container_json(project: str, state, ports: dict | None = None) -> dict:
    """The fields of Compose v2's `ps --format json`, from our records."""
    from composer.records import load_container

    record = load_container(project, state.name)
    return {
        "ID": state.name,
        "Name": state.name,
        "Image": record.image if record else "",
        "Command": " ".join(record.command) if record else "",
        "Project": project,
        "Service": state.service,
        "Created": int(datetime.fromisoformat(record.created).timestamp()) if record else 0,
        "State": state.status,
        "Status": status_text(state),
        "Health": state.health.status if state.health else "",
        "ExitCode": state.exit_code or 0,
        "Publishers": (ports or {}).get(state.service, []),
    }


def status_text(state) -> str:
    """Docker's human status: "Up 5 seconds (healthy)", "Exited (1) 2 minutes ago"."""
    now = datetime.now(timezone.utc)
    if state.status in ("running", "paused", "restarting") and state.started_at:
        text = f"Up {_ago(now - state.started_at)}"
        if state.status == "paused":
            text += " (Paused)"
        if state.health:
            text += f" ({state.health.status})"
        return text
    if state.status in ("exited", "dead") and state.finished_at:
        return f"Exited ({state.exit_code if state.exit_code is not None else -1}) {_ago(now - state.finished_at)} ago"
    return state.status.capitalize()


def _ago(delta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def _table(rows: list[dict]) -> None:
    from composer.cli import output

    columns = ("Name", "Image", "Command", "Service", "Status", "Ports")
    for row in rows:
        row["Ports"] = ", ".join(f"{p['URL']}:{p['PublishedPort']}->{p['TargetPort']}/{p['Protocol']}" for p in row["Publishers"])
    table = [[c.upper() for c in columns]] + [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        output.line("   ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
