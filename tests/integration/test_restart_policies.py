"""kill -9 of a container's main process under each restart policy, and a crash loop:
Docker's rules (restart on any exit but `no`; on-failure since 137 is a failure) and
Docker's backoff (100 ms doubling), which keeps a crash loop from spinning the CPU."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.support.images import BUSYBOX_REF
from tests.support.waiting import wait_until

pytest_plugins = ["tests.support.project"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

POLICIES = ("no", "on-failure", "always", "unless-stopped")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LOOP_WINDOW = 6.5  # seconds of a crash loop watched: restarts 0.1 + 0.2 + … + 3.2 s apart



def test_kill_9_of_the_main_process_under_each_policy(project):
    project.write("services:\n" + "".join(
        f"  {name.replace('-', '')}:\n    image: {BUSYBOX_REF}\n    network_mode: none\n    command: [sleep, '600']\n    restart: '{name}'\n"
        for name in POLICIES))
    project.compose("up", "-d", check=True)
    before = project.containers()
    for state in before.values():
        os.kill(state.pid, signal.SIGKILL)
    for policy in POLICIES:
        name = f"{project.name}-{policy.replace('-', '')}-1"
        if policy == "no":
            after = wait_until(lambda: (s := project.containers()[name]).status == "exited" and s, f"{name} to exit")
            assert after.exit_code == 137 and after.restart_count == 0
        else:
            after = wait_until(lambda: (s := project.containers()[name]).status == "running" and s.restart_count == 1 and s,
                               f"{name} to be restarted")
            assert after.pid != before[name].pid  # (a running container shows no exit code, as in Docker)
    rows = project.ps()
    assert rows[f"{project.name}-no-1"]["State"] == "exited" and rows[f"{project.name}-always-1"]["State"] == "running"
    assert project.containers()[f"{project.name}-no-1"].restart_count == 0  # and it stays down


def _cpu_seconds(pid: int) -> float:
    """The process's CPU time and that of its reaped children (runc), in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rpartition(")")[2].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def test_a_crash_loop_backs_off_as_docker_and_does_not_spin(project):
    project.write(f"""
services:
  loop:
    image: {BUSYBOX_REF}
    network_mode: none
    command: ["sh", "-c", "cut -d' ' -f1 /proc/uptime >> /data/starts; exit 1"]
    volumes: [data:/data]
    restart: always
volumes:
  data: {{}}
""")
    project.compose("up", "-d", check=True)
    supervisor = project.containers()[f"{project.name}-loop-1"].supervisor_pid
    cpu_before, started = _cpu_seconds(supervisor), time.monotonic()
    time.sleep(LOOP_WINDOW)
    cpu_used, elapsed = _cpu_seconds(supervisor) - cpu_before, time.monotonic() - started
    state = project.containers()[f"{project.name}-loop-1"]
    from composer.drivers.runc import resources  # the volume's host dir: read without a running container

    starts = [float(x) for x in (resources.volumes_root() / f"{project.name}_data" / "_data" / "starts").read_text().split()]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    print(f"crash loop: {len(starts)} starts in {elapsed:.1f}s, gaps {[round(g, 2) for g in gaps]}, "
          f"supervisor CPU {cpu_used:.2f}s ({100 * cpu_used / elapsed:.1f}%)")
    assert len(starts) >= 3 and state.restart_count >= 2
    for number, gap in enumerate(gaps):  # each wait at least Docker's delay (uptime has 10 ms steps)
        assert gap >= 0.1 * 2 ** number - 0.02, (number, gaps)
    assert cpu_used < 0.5 * elapsed  # a spinning loop would hold a whole core
