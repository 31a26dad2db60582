"""Two `up`s of one project at once, two projects of the same names side by side, and a
simulated host reboot between `up` and the next `up`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile

import pytest

from tests.support.crash_project import NETWORK_KEYS, PAGE, CrashProject
from tests.support.leftovers import leftovers
from tests.support.reboot import reboot

pytest_plugins = ["tests.support.crash_project"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]


def test_two_ups_at_once_one_waits_and_one_set_results(crash_project: CrashProject):
    command = [sys.executable, "-m", "composer", "-p", crash_project.name, "up", "-d"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    runs = [subprocess.Popen(command, cwd=crash_project.dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outcomes = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outcomes
    assert sum("another compose command is changing it" in err for _, err in outcomes) == 1
    assert sum(err.count("Created") for _, err in outcomes) == 2  # web and db, made once
    assert sorted(crash_project.containers()) == [f"{crash_project.name}-db-1", f"{crash_project.name}-web-1"]
    crash_project.assert_converges()


def _ip_of(project: CrashProject, service: str) -> str:
    return project.compose("exec", "-T", service, "hostname", "-i", check=True).stdout.split()[0]


def test_two_projects_with_the_same_names_are_isolated(crash_project: CrashProject, tmp_path):
    twin_dir = tmp_path / "twin"
    twin_dir.mkdir()
    twin = CrashProject(twin_dir, f"c{secrets.token_hex(3)}")
    twin.write((crash_project.dir / "compose.yaml").read_text())
    try:
        crash_project.assert_converges()
        twin.assert_converges()
        other = _ip_of(twin, "web")
        reach = crash_project.compose("exec", "-T", "db", "timeout", "3", "wget", "-qO-", f"http://{other}/", timeout=30)
        assert reach.returncode != 0 and PAGE not in reach.stdout  # another project's network is out of reach
        assert crash_project.compose("down", "-v", "-t", "1").returncode == 0
        assert leftovers(crash_project.name, NETWORK_KEYS) == {}
        twin.assert_converges()  # untouched by the other's down
    finally:
        twin.compose("down", "-v", "-t", "1")
    assert leftovers(twin.name, NETWORK_KEYS) == {}


def test_up_after_a_simulated_reboot_keeps_the_data_and_down_works(crash_project: CrashProject, monkeypatch):
    run_dir = tempfile.mkdtemp(prefix="crun-", dir="/tmp")  # this test's own run dir: the reboot empties it
    monkeypatch.setenv("COMPOSER_RUN", run_dir)
    try:
        crash_project.assert_converges()
        crash_project.compose("exec", "-T", "web", "sh", "-c", "echo kept > /data/note", check=True)
        reboot(crash_project.name, NETWORK_KEYS)
        assert {k: v for k, v in leftovers(crash_project.name, NETWORK_KEYS).items() if k not in ("data dir", "address leases")} == {}
        crash_project.assert_converges()
        kept = crash_project.compose("exec", "-T", "web", "cat", "/data/note", check=True).stdout.strip()
        assert kept == "kept"
        assert crash_project.compose("down", "-v", "-t", "1").returncode == 0
        assert leftovers(crash_project.name, NETWORK_KEYS) == {}
    finally:
        crash_project.compose("down", "-v", "-t", "1")
        subprocess.run(["rm", "-rf", run_dir], check=False)
