"""logs: our log drivers (bench/logs_bench.py) beside Docker's json-file driver on the private engine.

Ours: the json-file writer alone, fed 64 KiB chunks of ~100-byte lines; the supervisor-like
process's RSS while writing 1 GB; `compose logs`' printing of a 1M-line json-file log.
Docker: a container printing the same kind of lines (bench/anchors/docker_logs.py),
dockerd's RSS growth meanwhile, and `docker logs` of those lines. The two write figures
differ in scope (ours has no container and no pipe in front), which the table says;
the print and RSS figures compare like with like.
"""

from __future__ import annotations

from typing import Any

from bench.anchors.docker_logs import LINE_BYTES, measure_round
from bench.stats import NotAvailable, Summary, interleave
from bench.suites.base import Metric, SuiteContext, SuiteResult, at_most
from bench.suites.external import call_script, summary_of

NAME = "logs"
MEASURES = "log write throughput, writer memory while logging 1 GB, and printing 1M lines, ours vs Docker's json-file"
DOCKER_LINES, SMOKE_DOCKER_LINES = 1_000_000, 100_000
RSS_FLAT_MIB = 5.0  # "RSS flat": grows by at most this much whatever is written


def run(ctx: SuiteContext) -> SuiteResult:
    result = SuiteResult(NAME, MEASURES)
    try:
        ours = call_script(ctx, "logs_bench")
    except NotAvailable as exc:
        ours = {}
        result.notes.append(f"ours not measured: {exc}")
    docker = _docker_rounds(ctx, result)
    if not ours and not docker:
        raise NotAvailable("; ".join(result.notes))
    result.metrics = _write_rows(ours, docker) + _memory_rows(ours, docker) + _print_rows(ours, docker)
    lines = ours.get("print_lines")
    if lines and lines != DOCKER_LINES and docker:
        result.notes.append(f"ours printed {lines:,} lines, Docker {DOCKER_LINES:,}: compare per line")
    return result


def _docker_rounds(ctx: SuiteContext, result: SuiteResult) -> dict[str, Summary]:
    try:
        engine = ctx.anchors.engine()
    except NotAvailable as exc:
        result.notes.append(f"Docker json-file not measured: {exc}")
        return {}
    count = SMOKE_DOCKER_LINES if ctx.smoke else DOCKER_LINES
    samples, failures = interleave({"docker": lambda: measure_round(engine, count)}, ctx.repeats, ctx.deadline)
    result.notes += [f"Docker json-file dropped: {reason}" for reason in failures.values()]
    result.notes.append(f"Docker rounds ran after ours (one long script, not interleaved); {count:,} lines per round")
    summaries = {key.split(".", 1)[1]: Summary.of(values) for key, values in samples.items()}
    if "logging_s" in summaries:
        seconds = summaries.pop("logging_s")
        summaries["lines_per_s"] = Summary(count / seconds.median, count / seconds.high, count / seconds.low, seconds.count)
        summaries["mb_per_s"] = summaries["lines_per_s"].scaled(LINE_BYTES / 1e6)
    return summaries


def _write_rows(ours: dict[str, Any], docker: dict[str, Summary]) -> list[Metric]:
    writes = ours.get("write json-file", {})
    scope = "ours: writer alone; Docker: container → dockerd → file"
    rows = [
        Metric("json-file write", "lines/s", summary_of(writes.get("lines_per_s")), docker.get("lines_per_s"),
               "Docker json-file", note=scope),
        Metric("json-file write", "MB/s", summary_of(writes.get("mb_per_s")), docker.get("mb_per_s"), "Docker json-file"),
    ]
    for variant in ("json-file+compress", "file"):
        figures = ours.get(f"write {variant}", {})
        rows.append(Metric(f"{variant} write", "MB/s", summary_of(figures.get("mb_per_s")), docker.get("mb_per_s"),
                           "Docker json-file"))
    return rows


def _memory_rows(ours: dict[str, Any], docker: dict[str, Summary]) -> list[Metric]:
    rss = ours.get("rss", {})
    after_import, peak = summary_of(rss.get("rss_after_import_kb")), summary_of(rss.get("peak_rss_kb"))
    growth = None
    if after_import and peak:
        growth = Summary(peak.median - after_import.median, peak.low - after_import.high,
                         peak.high - after_import.low, peak.count).scaled(1 / 1024)
    written = ours.get("rss_bytes", 0) / 1e6
    docker_growth = docker["rss_growth_kib"].scaled(1 / 1024) if "rss_growth_kib" in docker else None
    return [
        Metric(f"writer RSS growth writing {written:,.0f} MB", "MiB", growth, docker_growth, "dockerd",
               at_most(RSS_FLAT_MIB, f"flat (≤ {RSS_FLAT_MIB:g} MiB)"), "Docker: dockerd's growth during its round"),
        Metric("writer RSS after import", "MiB", after_import.scaled(1 / 1024) if after_import else None),
    ]


def _print_rows(ours: dict[str, Any], docker: dict[str, Summary]) -> list[Metric]:
    prints, lines = ours.get("print", {}), ours.get("print_lines", DOCKER_LINES)
    docker_print = docker.get("print_s")
    goal = at_most(0.5, "≤ 0.5 s") if lines == DOCKER_LINES else None
    return [
        Metric(f"print {lines:,} lines, new process", "s", summary_of(prints.get("print_process_s")), docker_print,
               "docker logs", goal),
        Metric(f"print {lines:,} lines, in process", "s", summary_of(prints.get("print_s")), docker_print,
               "docker logs", goal),
        Metric(f"print {lines:,} lines --timestamps, in process", "s", summary_of(prints.get("print_timestamps_s"))),
        Metric("cat of the same file (floor)", "s", summary_of(prints.get("cat_s"))),
    ]
