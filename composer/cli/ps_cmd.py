"""compose ps: the project's containers; `--format json` is one JSON object per line (Compose ≥ 2.21)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

STATUSES = ("paused", "restarting", "removing", "running", "dead", "created", "exited")


def add_arguments(parser) -> None:
    from composer.cli.go_format import FORMATS

    parser.add_argument("services", nargs="*", metavar="SERVICE")
    parser.add_argument("-a", "--all", action="store_true", help="show stopped containers too")
    parser.add_argument("-q", "--quiet", action="store_true", help="only display container IDs")
    parser.add_argument("--no-trunc", action="store_true", help="don't truncate output (full 64-hex IDs)")
    parser.add_argument("--services", dest="only_services", action="store_true", help="display services")
    parser.add_argument("--filter", metavar="KEY=VAL", help="filter services by a property (supported filters: status)")
    parser.add_argument("--orphans", nargs="?", const="true", default="true", choices=("true", "false"), metavar="true|false",
                        help="include orphaned services (not declared by the project); --orphans=false leaves them out")
    parser.add_argument("--status", action="append", default=[], choices=STATUSES, help="filter by status")
    parser.add_argument("--format", default="table", choices=FORMATS, metavar="FORMAT", help="table, json, 'table TEMPLATE' or a Go TEMPLATE ({{.ID}}…)")


def run(args) -> int:
    from composer.cli import output
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver

    _apply_filter(args)
    project = load_project(args)
    driver = open_driver()
    if getattr(driver, "deploys_stack", False):
        from composer.cli import stack_cmd

        return stack_cmd.ps(args, project, driver)
    states = driver.containers(project.name)
    if args.orphans == "false" and not args.services:
        states = [s for s in states if s.service in project.services]
    ports = _publishers(driver, project.name)
    if args.services:
        states = [s for s in states if s.service in args.services]
    if args.status:
        states = [s for s in states if s.status in args.status]
    elif not args.all:
        states = [s for s in states if s.status in ("running", "paused", "restarting")]
    if args.quiet:  # Compose v2 prints whole IDs here (docker ps -q cuts them; --format '{{.ID}}' does too)
        for state in states:
            output.line(driver.container_id(project.name, state.name))
    elif args.only_services:
        for name in dict.fromkeys(s.service for s in states):
            output.line(name)
    elif args.format not in ("table", "json"):
        from composer.cli.go_format import render

        rows = [container_json(project, s, driver, ports, no_trunc=args.no_trunc) for s in states]
        for text in render(rows + ambassador_rows(project, driver, ports), args.format, "", HEADERS):
            output.line(text)
    elif args.format == "json":
        for state in states:
            output.json_line(container_json(project, state, driver, ports))
        for row in ambassador_rows(project, driver, ports):
            output.json_line(row)
    else:
        _table([container_json(project, s, driver, ports, command=" ".join) for s in states] + ambassador_rows(project, driver, ports))
    return 0


def _apply_filter(args) -> None:
    """Compose's --filter: only status=VALUE, which adds to --status."""
    from composer.errors import ComposerError

    if not args.filter:
        return
    key, sep, value = args.filter.partition("=")
    if not sep:
        raise ComposerError("arguments to --filter should be in form KEY=VAL")
    if key != "status":
        raise ComposerError(f"unknown filter {key}" if key != "source" else "not implemented")
    if value not in STATUSES:
        raise ComposerError(f"--filter status={value}: expected one of {', '.join(STATUSES)}")
    args.status.append(value)


def _publishers(driver, project_name: str) -> dict[str, list[dict]]:
    """Service → Compose-style Publishers entries, from what the driver publishes."""
    found: dict[str, list[dict]] = {}
    for entry in driver.published_ports(project_name):
        found.setdefault(entry["name"], []).append(
            {"URL": entry["host_ip"], "TargetPort": entry["target"], "PublishedPort": entry["published"], "Protocol": entry["protocol"]}
        )
    return found


def ambassador_rows(project, driver, ports: dict[str, list[dict]]) -> list[dict]:
    """Ambassadors as ps rows: their forwarder's state and counters; `ports` from _publishers()."""
    rows = []
    for name, ambassador in project.ambassadors.items():
        alive, stats, netns = driver.ambassador_status(project.name, name)
        counters = {key: stats.get(key, 0) for key in ("active", "total", "bytes_in", "bytes_out", "connect_failures", "refused")}
        publishers = ports.get(name, [])
        rows.append(dict(sorted({
            "ID": netns, "Name": netns, "Names": netns, "Image": "", "Command": f"{ambassador.listen} -> {ambassador.target}",
            "Project": project.name, "Service": name, "Created": 0, "CreatedAt": "", "RunningFor": "",
            "State": "running" if alive else "exited",
            "Status": _ambassador_status(alive, counters, stats),
            "Health": "", "ExitCode": 0, "Labels": "", "LocalVolumes": "0", "Mounts": "", "Networks": "", "Size": "0B",
            "Ports": ports_text(publishers), "Publishers": publishers,
            "Ambassador": {**counters, "targets": stats.get("targets", []), "path": stats.get("path") or "userspace",
                           "kernel": stats.get("kernel", {"connections": 0, "bytes": 0})},
        }.items())))
    return rows


def _ambassador_status(alive: bool, counters: dict, stats: dict) -> str:
    if not alive:
        return "Exited"
    text = f"{counters['active']} active, {counters['total']} total, {counters['bytes_in']}B in, {counters['bytes_out']}B out"
    if stats.get("path") == "kernel":  # the forwarder's own counters only see what the kernel path left to it
        kernel = stats.get("kernel", {})
        text = f"kernel path: {kernel.get('connections', 0)} connections, {kernel.get('bytes', 0)}B; userspace: {text}"
    return f"Up ({text})"


HEADERS = {"ID": "CONTAINER ID", "Name": "NAME", "Names": "NAMES", "Image": "IMAGE", "Command": "COMMAND", "Service": "SERVICE",
           "CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Status": "STATUS", "Ports": "PORTS", "State": "STATE", "Health": "HEALTH"}


def container_json(project, state, driver, ports: dict | None = None, command: Callable[[Sequence[str]], str] | None = None,
                   no_trunc: bool = False) -> dict:
    """The fields of Compose v2's `ps --format json` (≥ 2.21), from the driver's records, keys
    sorted as Compose prints them; plus `Created` (integer, as Compose < 2.21 printed).
    `command` renders the COMMAND (default: Docker's quoted, cut text; the table's is plain)."""
    record = driver.container_record(project.name, state.name)
    service = project.services.get(state.service)
    created = int(datetime.fromisoformat(record.created).timestamp()) if record else 0
    published = (ports or {}).get(state.service, [])
    publishers = sorted(published + exposed_only(service, ports), key=lambda p: p["TargetPort"])
    local_volumes, mounts = driver.mounts(state.name)
    return dict(sorted({
        "Command": (command or docker_command)(record.command if record else ()),
        "Created": created,
        "CreatedAt": go_time(created) if created else "",
        "ExitCode": state.exit_code or 0,
        "Health": state.health.status if state.health else "",
        "ID": driver.container_id(project.name, state.name)[: None if no_trunc else 12],
        "Image": record.image if record else "",
        "Labels": labels_text(container_labels(project.name, state, record, service)),
        "LocalVolumes": str(local_volumes),
        "Mounts": ",".join(ellipsis(name, 15) for name in mounts),
        "Name": state.name,
        "Names": state.name,
        "Networks": ",".join(driver.network_names(project.name, state.name, service)),
        "Ports": ports_text(published),
        "Project": project.name,
        "Publishers": publishers,
        "RunningFor": f"{human_duration(time.time() - created)} ago" if created else "",
        "Service": state.service,
        "Size": "0B",  # Compose's ps asks for no sizes: Docker reports 0 bytes
        "State": state.status,
        "Status": status_text(state),
    }.items()))


def docker_command(args: Sequence[str]) -> str:
    """Docker's COMMAND: the program, then its arguments with those holding a space in
    'quotes', all joined by spaces, cut to 20 characters and then Go-quoted."""
    text = " ".join([*args[:1], *(f"'{arg}'" if " " in arg else arg for arg in args[1:])])
    return go_quote(ellipsis(text, 20))


def ellipsis(text: str, width: int) -> str:
    """docker/cli's Ellipsis for one-column characters: at most `width`, the last one "…"."""
    return text if len(text) <= width else text[: width - 1] + "…"


GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\"}


def go_quote(text: str) -> str:
    """Go's strconv.Quote: printable characters as they are, the rest escaped."""
    out = []
    for char in text:
        if char in GO_ESCAPES:
            out.append(GO_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
    return f'"{"".join(out)}"'


def go_time(seconds: int) -> str:
    """Go's time.Time.String() of a whole second, in UTC: "2024-05-02 12:21:53 +0000 UTC"."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000 UTC")


# go-units: below `limit` hours, say hours // `divisor` `unit`.
HOURS_AS = ((48, 1, "hours"), (24 * 7 * 2, 24, "days"), (24 * 30 * 2, 24 * 7, "weeks"), (24 * 365 * 2, 24 * 30, "months"))


def human_duration(seconds: float) -> str:
    """go-units' HumanDuration, which Docker's RunningFor ("… ago") uses."""
    whole, minutes = int(seconds), int(seconds // 60)
    hours = math.floor(seconds / 3600 + 0.5)  # Go's math.Round: halves away from zero, not to even
    if whole < 1:
        return "Less than a second"
    if whole < 60:
        return "1 second" if whole == 1 else f"{whole} seconds"
    if minutes < 60:
        return "About a minute" if minutes == 1 else f"{minutes} minutes"
    if hours == 1:
        return "About an hour"
    for limit, divisor, unit in HOURS_AS:
        if hours < limit:
            return f"{hours // divisor} {unit}"
    return f"{int(seconds // 3600) // 24 // 365} years"


def container_labels(project: str, state, record, service) -> dict[str, str]:
    """The service's labels as the record kept them (else as the compose file has them now),
    plus the com.docker.compose.* labels `ps` can vouch for."""
    own = record.labels if record and record.labels is not None else (dict(service.labels) if service else {})
    number = record.number if record else state.name.rsplit("-", 1)[-1]
    return {
        **own,
        "com.docker.compose.project": project,
        "com.docker.compose.service": state.service,
        "com.docker.compose.container-number": str(number),
        "com.docker.compose.oneoff": "True" if record and record.oneoff else "False",
    }


def labels_text(labels: dict[str, str]) -> str:
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()))


def exposed_only(service, ports: dict | None) -> list[dict]:
    """Compose lists `expose:` ports that are not published too, with URL "" and port 0."""
    if service is None:
        return []
    published = {(p["TargetPort"], p["Protocol"]) for p in (ports or {}).get(service.name, [])}
    found = []
    for entry in service.expose:
        span, _, protocol = entry.partition("/")
        first, _, last = span.partition("-")
        for port in range(int(first), int(last or first) + 1):
            if (port, protocol or "tcp") not in published:
                found.append({"URL": "", "TargetPort": port, "PublishedPort": 0, "Protocol": protocol or "tcp"})
                published.add((port, protocol or "tcp"))
    return found


def ports_text(publishers: list[dict]) -> str:
    """The PORTS column: published ports only, `127.0.0.1:8080->80/tcp, …`."""
    published = (p for p in publishers if p["PublishedPort"])
    return ", ".join(f"{p['URL']}:{p['PublishedPort']}->{p['TargetPort']}/{p['Protocol']}" for p in published)


def status_text(state) -> str:
    """Docker's human status: "Up 5 seconds (healthy)", "Exited (1) 2 minutes ago"."""
    now = datetime.now(timezone.utc)
    if state.status in ("running", "paused", "restarting") and state.started_at:
        text = f"Up {_ago(now - state.started_at)}"
        if state.status == "paused":
            text += " (Paused)"
        if state.health:
            text += f" ({state.health.status})"
        if state.log_dropped:  # not in Docker's ps: our supervisor knows, so it says
            text += f" ({state.log_dropped} log records dropped)"
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
    table = [[c.upper() for c in columns]] + [[str(row[c]) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    for line in table:
        output.line("   ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
