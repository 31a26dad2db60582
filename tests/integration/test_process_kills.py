"""kill -9 of the processes composer leaves running: a container's supervisor, an
ambassador's forwarder and its keeper. ps tells the truth, down cleans, up recovers."""

from __future__ import annotations

import os
import signal

import pytest

from tests.support.crash_project import NETWORK_KEYS, PAGE, CrashProject
from tests.support.leftovers import leftovers
from tests.support.waiting import wait_until

pytest_plugins = ["tests.support.crash_project"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]



def test_supervisor_kill_9_ps_tells_up_recovers_down_cleans(crash_project: CrashProject):
    crash_project.compose("up", "-d", check=True)
    web = f"{crash_project.name}-web-1"
    state = crash_project.containers()[web]
    os.kill(state.supervisor_pid, signal.SIGKILL)
    lost = wait_until(lambda: (s := crash_project.containers()[web]) and not s.supervisor_alive and s, "the supervisor's death seen")
    assert lost.status == "running" and lost.pid == state.pid and "supervisor" in lost.error
    row = crash_project.ps()[web]
    assert row["State"] == "running"  # the container itself still runs: ps says so, as runc does
    crash_project.assert_converges()  # up recreates it under a new supervisor
    again = crash_project.containers()[web]
    assert again.supervisor_alive and again.pid != state.pid
    os.kill(again.supervisor_pid, signal.SIGKILL)
    wait_until(lambda: not crash_project.containers()[web].supervisor_alive, "the second supervisor's death seen")
    assert crash_project.compose("down", "-v", "-t", "1").returncode == 0
    assert leftovers(crash_project.name, NETWORK_KEYS) == {}


def _forwarder_pids(project: CrashProject, name: str) -> tuple[int, int | None]:
    """(keeper, forwarder or None while the keeper waits to restart it) of the ambassador `name`."""
    from composer.drivers.runc import keepers

    keeper = keepers.keeper_pid(project.name, name)
    assert keeper is not None
    children = [int(pid) for pid in filter(str.isdigit, os.listdir("/proc")) if _parent_of(pid) == keeper]
    assert len(children) <= 1, children
    return keeper, (children or [None])[0]


def _parent_of(pid: str) -> int | None:
    try:
        return int(open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def fetch_through_ambassador(project: CrashProject) -> str:
    got = project.compose("exec", "-T", "db", "timeout", "5", "wget", "-qO-", "http://front:8000/", timeout=30)
    return got.stdout.strip() if got.returncode == 0 else ""


def test_forwarder_kill_9_is_restarted_and_clients_reconnect(crash_project: CrashProject):
    crash_project.compose("up", "-d", check=True)
    assert wait_until(lambda: fetch_through_ambassador(crash_project), "a first answer") == PAGE
    keeper, forwarder = _forwarder_pids(crash_project, "front")
    os.kill(forwarder, signal.SIGKILL)
    wait_until(lambda: _forwarder_pids(crash_project, "front")[1] not in (None, forwarder), "a new forwarder")
    assert wait_until(lambda: fetch_through_ambassador(crash_project), "an answer after the restart") == PAGE
    assert _forwarder_pids(crash_project, "front")[0] == keeper


def test_keeper_kill_9_ps_tells_up_restarts_down_cleans(crash_project: CrashProject):
    crash_project.compose("up", "-d", check=True)
    keeper, forwarder = _forwarder_pids(crash_project, "front")
    os.killpg(keeper, signal.SIGKILL)  # keeper and forwarder: the whole ambassador gone
    wait_until(lambda: not os.path.exists(f"/proc/{forwarder}"), "the forwarder gone")
    assert crash_project.ps()[f"{crash_project.name}-front-amb"]["State"] == "exited"
    crash_project.assert_converges()
    assert crash_project.compose("down", "-v", "-t", "1").returncode == 0
    assert leftovers(crash_project.name, NETWORK_KEYS) == {}
