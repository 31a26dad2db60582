"""A host log path on a full disk (a 1 MiB tmpfs): non-blocking mode keeps the container
running and counts what it drops (ps and logs say so); blocking mode holds the container
and loses nothing; both go on writing when the space comes back (the tmpfs is grown)."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.images import BUSYBOX_REF
from tests.support.waiting import wait_until

pytest_plugins = ["tests.support.project"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

LINES = 60_000  # ~2.2 MB of log records: twice what the small tmpfs holds


@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def grow(mount: Path) -> None:
    subprocess.run(["mount", "-o", "remount,size=16m", str(mount)], check=True)



def numbers_logged(log: Path) -> list[int]:
    found = []
    for line in log.read_text().splitlines():
        try:
            text = json.loads(line)["log"]
        except ValueError:
            continue  # the record the disk cut short
        if text.startswith("n "):
            found.append(int(text.split()[1]))
    return found


def write_project(project, disk: Path, mode: str) -> Path:
    project.write(f"""
services:
  talk:
    image: {BUSYBOX_REF}
    network_mode: none
    command: ["sh", "-c", "i=0; while [ $$i -lt {LINES} ]; do echo \\"n $$i\\"; i=$$((i+1)); done; echo done; exec sleep 600"]
    logging: {{driver: json-file, options: {{path: "{disk}/", mode: {mode}}}}}
""")
    return disk / f"{project.name}-talk-1.log"


def test_non_blocking_mode_drops_counts_and_resumes(project, small_disk):
    log = write_project(project, small_disk, "non-blocking")
    project.compose("up", "-d", check=True)
    name = f"{project.name}-talk-1"
    full = wait_until(lambda: (s := project.containers()[name]).log_dropped > 0 and s, "drops to be counted")
    assert full.status == "running" and full.supervisor_alive
    assert "log records dropped" in project.ps()[name]["Status"]
    assert "log records were dropped" in project.compose("logs", "talk").stderr
    grow(small_disk)
    project.compose("exec", "-T", "talk", "sh", "-c", "echo back > /proc/1/fd/1", check=True)  # onto its log pipe
    wait_until(lambda: b'"back\\n"' in log.read_bytes(), "logging to resume")
    state = project.containers()[name]
    assert state.status == "running" and state.supervisor_alive


def test_blocking_mode_blocks_then_loses_nothing(project, small_disk):
    log = write_project(project, small_disk, "blocking")
    project.compose("up", "-d", check=True)
    name = f"{project.name}-talk-1"
    wait_until(lambda: log.exists() and log.stat().st_size > 900_000, "the small disk to fill")
    held = log.stat().st_size
    time.sleep(1.0)  # the container is held, not crashed: nothing more fits
    state = project.containers()[name]
    assert state.status == "running" and state.supervisor_alive and log.stat().st_size == held
    grow(small_disk)
    wait_until(lambda: b'"done\\n"' in log.read_bytes(), "the container to finish printing")
    assert numbers_logged(log) == list(range(LINES))  # every record, in order, once
    assert project.containers()[name].log_dropped == 0
