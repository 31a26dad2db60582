"""compose stats: Docker's `stats` for the project's containers (CPU %, memory, net and block I/O, pids).

CPU % is Docker's: the container's CPU time over all CPUs' time between two samples, times
the online CPUs. --no-stream prints one table from two samples SAMPLE_GAP apart; streaming
redraws it every second (clearing a terminal as Docker does) until Ctrl+C.
"""

from __future__ import annotations

import time

SAMPLE_GAP = 0.5
TABLE = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
HEADERS = {"ID": "CONTAINER ID", "Name": "NAME", "Container": "CONTAINER", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
           "MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS"}
BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB")
DECIMAL = ("B", "kB", "MB", "GB", "TB", "PB", "EB")


def add_arguments(parser) -> None:
    from composer.cli.go_format import FORMATS

    parser.add_argument("service", nargs="?", metavar="SERVICE")
    parser.add_argument("-a", "--all", action="store_true", help="show all containers (default shows just running)")
    parser.add_argument("--format", default="", choices=FORMATS, metavar="FORMAT", help="table, json, 'table TEMPLATE' or a Go TEMPLATE ({{.CPUPerc}}…)")
    parser.add_argument("--no-stream", action="store_true", help="print one result and exit")
    parser.add_argument("--no-trunc", action="store_true", help="don't truncate output (full IDs)")


def run(args) -> int:
    from composer.cli.context import load_project
    from composer.cli.driver import open_driver

    project = load_project(args, quiet=True)
    driver = open_driver()
    try:
        return _show(driver, project, args)
    except KeyboardInterrupt:  # how a stream of stats ends, as `logs -f`
        return 0


def _show(driver, project, args) -> int:
    import sys

    from composer.cli import output
    from composer.cli.go_format import render

    previous = _samples(driver, project.name, args)
    while True:
        time.sleep(SAMPLE_GAP if args.no_stream else 1.0)
        states, current = _samples(driver, project.name, args)
        rows = [stats_row(driver.container_id(project.name, s.name), s.name, current.get(s.name), previous[1].get(s.name), args.no_trunc) for s in states]
        lines = render(rows, args.format or "table", TABLE, HEADERS)
        if not args.no_stream and sys.stdout.isatty():
            output.write("\x1b[2J\x1b[H")
        for text in lines:
            output.line(text)
        if args.no_stream:
            return 0
        sys.stdout.flush()
        previous = (states, current)


def _samples(driver, project: str, args):
    # every container of the project, `run` ones too: Compose filters on the project label only
    states = [s for s in driver.containers(project) if args.service is None or s.service == args.service]
    if not args.all:
        states = [s for s in states if s.running]
    return states, {s.name: driver.stats_sample(s.name) if s.running else None for s in states}


def stats_row(container_id: str, name: str, now: dict | None, before: dict | None, no_trunc: bool = False) -> dict:
    """docker stats' fields (as its --format json prints them) from two samples (None: not running)."""
    now = now or {}
    cpu = 0.0
    if before and now:
        cpu_delta, system_delta = now["cpu_ns"] - before["cpu_ns"], now["system_ns"] - before["system_ns"]
        if cpu_delta > 0 and system_delta > 0:
            cpu = cpu_delta / system_delta * now["online_cpus"] * 100
    memory, limit = now.get("memory", 0), now.get("memory_limit", 0)
    return {
        "BlockIO": f"{decimal_size(now.get('block_read', 0))} / {decimal_size(now.get('block_write', 0))}",
        "CPUPerc": f"{cpu:.2f}%",
        "Container": container_id,
        "ID": container_id if no_trunc else container_id[:12],
        "MemPerc": f"{(memory / limit * 100 if limit else 0):.2f}%",
        "MemUsage": f"{binary_size(memory)} / {binary_size(limit)}",
        "Name": name,
        "NetIO": f"{decimal_size(now.get('net_rx', 0))} / {decimal_size(now.get('net_tx', 0))}",
        "PIDs": str(now.get("pids", 0)),
    }


def binary_size(size: float) -> str:
    """go-units' BytesSize: "%.4g" of 1024ths, "1.5MiB"."""
    return _custom_size(size, 1024.0, BINARY, 4)


def decimal_size(size: float) -> str:
    """go-units' HumanSizeWithPrecision(size, 3): "1.23kB", "648B"."""
    return _custom_size(size, 1000.0, DECIMAL, 3)


def _custom_size(size: float, base: float, units: tuple[str, ...], precision: int) -> str:
    index = 0
    while size >= base and index < len(units) - 1:
        size /= base
        index += 1
    return f"{size:.{precision}g}{units[index]}"  # Go's %g and Python's follow the same rule
