"""The read commands on a project of many running containers give every container once and
whole: ps (table and json), logs --tail, config -q, and a paused one among them.
(How fast they are is bench/suites/cli_scale.py's job: no timings are asserted here.)"""

from __future__ import annotations

import json

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

COUNT = 30
MANY = "services:\n" + "".join(
    f"  s{i}:\n    image: {BUSYBOX_REF}\n    network_mode: none\n"
    f"    command: [sh, -c, 'echo first of s{i}; echo last of s{i}; exec sleep 600']\n"
    for i in range(COUNT)
)


@pytest.fixture
def many(project):
    project.write(MANY)
    project.compose("up", "-d", "--progress", "quiet", check=True, timeout=300)
    return project


def test_reads_cover_every_container_once(many) -> None:
    names = {f"{many.name}-s{i}-1" for i in range(COUNT)}
    table = many.compose("ps", check=True).stdout.splitlines()
    assert table[0].split()[:2] == ["NAME", "IMAGE"]
    assert {line.split()[0] for line in table[1:]} == names and len(table) == COUNT + 1
    rows = [json.loads(line) for line in many.compose("ps", "--format", "json", check=True).stdout.splitlines()]
    assert {row["Name"] for row in rows} == names and len(rows) == COUNT
    assert all(row["State"] == "running" and row["Status"].startswith("Up") for row in rows)
    logs = _wait_for_logs(many, COUNT)
    assert sorted(logs) == sorted(f"s{i}-1 | last of s{i}" for i in range(COUNT))  # Compose shows s0-1, not <project>-s0-1
    config = many.compose("config", "-q", check=True)
    assert config.stdout == "" and config.returncode == 0


def test_a_paused_container_among_many_shows_as_paused(many) -> None:
    many.compose("pause", "s7", check=True)
    try:
        rows = {row["Service"]: row for row in map(json.loads, many.compose("ps", "--format", "json", check=True).stdout.splitlines())}
        assert rows["s7"]["State"] == "paused" and rows["s7"]["Status"].endswith("(Paused)")
        assert sum(row["State"] == "running" for row in rows.values()) == COUNT - 1
    finally:
        many.compose("unpause", "s7")


def _wait_for_logs(project, count: int) -> list[str]:
    """`logs --tail 1` lines, "name | text", once every container wrote its two lines (bounded)."""
    import time

    deadline = time.monotonic() + 20
    while True:
        out = project.compose("logs", "--tail", "1", "--no-color", check=True).stdout.splitlines()
        lines = [" ".join(line.split()) for line in out]
        if len(lines) == count and all("last of" in line for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.3)
