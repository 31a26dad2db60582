"""Writes a run's results: RESULTS.md for people (a table per suite) and results.json beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.stats import Summary
from bench.suites.base import Metric, SuiteResult


@dataclass
class RunReport:
    smoke: bool
    command: str
    seconds: float
    machine: dict[str, str]
    versions: dict[str, str]
    suites: list[SuiteResult]
    cleanup: list[str] = field(default_factory=list)  # what was still on the host after the sweep

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": "smoke" if self.smoke else "full",
            "command": self.command,
            "seconds": round(self.seconds, 1),
            "machine": self.machine,
            "versions": self.versions,
            "suites": [suite.as_dict() for suite in self.suites],
            "host_left_clean": not self.cleanup,
            "leftovers": self.cleanup,
        }


def write(report: RunReport, markdown_path: Path) -> tuple[Path, Path]:
    """RESULTS.md at markdown_path and results.json in the same directory."""
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(render_markdown(report))
    json_path = markdown_path.parent / "results.json"
    json_path.write_text(json.dumps(report.as_dict(), indent=1) + "\n")
    return markdown_path, json_path


def render_markdown(report: RunReport) -> str:
    mode = "smoke (1 short round per suite; no Docker engine)" if report.smoke else "full"
    lines = [
        "# composer benchmarks",
        "",
        f"`{report.command}` — {mode}, {report.seconds:.0f} s, {report.machine.get('date', '')}.",
        "Each figure: median (min–max) over interleaved rounds (ours, anchor, ours, anchor …); "
        "ratio = ours / anchor, measured in the same run. Not asserted anywhere: numbers to read.",
        "",
        "## Machine and versions",
        "",
        _key_values({**report.machine, **report.versions}),
        "",
        "## Summary",
        "",
        "| suite | goals met | status |",
        "| --- | --- | --- |",
    ]
    lines += [_summary_row(suite) for suite in report.suites]
    for suite in report.suites:
        lines += ["", *_suite_section(suite)]
    lines += ["", "## Cleanup", "", _cleanup_line(report.cleanup), ""]
    return "\n".join(lines)


def _key_values(pairs: dict[str, str]) -> str:
    rows = ["| | |", "| --- | --- |"]
    rows += [f"| {key} | {_cell(value)} |" for key, value in pairs.items()]
    return "\n".join(rows)


def _summary_row(suite: SuiteResult) -> str:
    goals = [m.met for m in suite.metrics if m.goal is not None]
    checked = [g for g in goals if g is not None]
    met = f"{sum(checked)}/{len(checked)}"
    if len(checked) < len(goals):
        met += f" ({len(goals) - len(checked)} not measurable)"
    count = len(suite.metrics)
    status = f"not available: {suite.unavailable}" if suite.unavailable else f"{count} figure{'' if count == 1 else 's'}"
    return f"| {suite.name} | {met} | {_cell(status)} |"


def _suite_section(suite: SuiteResult) -> list[str]:
    lines = [f"## {suite.name}", "", f"Measures: {suite.measures}. ({suite.seconds:.0f} s)", ""]
    if suite.unavailable:
        lines.append(f"**not available: {suite.unavailable}**")
    if suite.metrics:
        lines += ["| metric | ours | anchor | ratio | goal | met |", "| --- | --- | --- | --- | --- | --- |"]
        lines += [_metric_row(metric) for metric in suite.metrics]
    if suite.notes:
        lines += ["", *[f"- {_cell(note)}" for note in suite.notes]]
    return lines


def _metric_row(metric: Metric) -> str:
    anchor = f"{_figure(metric.anchor)} {metric.anchor_name}" if metric.anchor else (f"– {metric.anchor_name}" if metric.anchor_name else "–")
    ratio = f"{metric.ratio:.2f}×" if metric.ratio is not None else "–"
    met = {True: "yes", False: "**no**", None: "–"}[metric.met]
    name = f"{metric.name} ({metric.unit})" + (f" — {metric.note}" if metric.note else "")
    return f"| {_cell(name)} | {_figure(metric.ours)} | {_cell(anchor)} | {ratio} | {_cell(metric.goal.text if metric.goal else '')} | {met} |"


def _figure(summary: Summary | None) -> str:
    if summary is None:
        return "–"
    if summary.count == 1 or summary.low == summary.high:
        return _number(summary.median)
    return f"{_number(summary.median)} ({_number(summary.low)}–{_number(summary.high)})"


def _number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _cleanup_line(leftovers: list[str]) -> str:
    if not leftovers:
        return "After the run: engine stopped, base dir removed, no process, mount, cgroup or bridge of the run left."
    return "After the run these were still found (run `python3 -m bench --cleanup`): " + ", ".join(leftovers)
