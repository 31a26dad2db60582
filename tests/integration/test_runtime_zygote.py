"""Supervisors forked from the per-process zygote (composer/shim/zygote.py), its end, and the fallback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_runtime_support import Containers, busybox, containers, needs_runc, supervisor_pids, wait_for  # noqa: F401

from composer.runtime import launch
from composer.runtime.layout import ContainerPaths

pytestmark = [pytest.mark.needs_root, needs_runc]
REPO = Path(__file__).resolve().parents[2]


def _zygotes_of(parent: int) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError):
            continue
        if b"composer.shim.zygote" in cmdline and ppid == parent:
            found.append(int(pid))
    return found


def test_supervisors_are_forked_from_one_zygote_and_outlive_nothing_of_it(containers: Containers) -> None:
    first = containers.run("sleep 30")
    second = containers.run("sleep 30")
    zygotes = _zygotes_of(os.getpid())
    assert len(zygotes) == 1, "one zygote per process, made on the first launch"
    for spec in (first, second):
        [supervisor] = supervisor_pids(spec.name)
        assert os.readlink(f"/proc/{supervisor}/cwd") == str(ContainerPaths.for_name(spec.name).state_dir)
        assert containers.runtime.inspect(spec.name).status == "running"
        assert supervisor not in zygotes


def test_a_dead_zygote_means_direct_starts(containers: Containers) -> None:
    containers.run("true")  # makes sure this process has a zygote
    [zygote] = _zygotes_of(os.getpid())
    os.kill(zygote, signal.SIGKILL)
    os.waitpid(zygote, 0)
    spec = containers.run("sleep 30")
    assert containers.runtime.inspect(spec.name).status == "running"
    [supervisor] = supervisor_pids(spec.name)
    assert b"composer.shim.main" in Path(f"/proc/{supervisor}/cmdline").read_bytes()
    assert not _zygotes_of(os.getpid())
    launch._zygote = launch._Zygote()  # the next tests get a zygote again


def test_the_zygote_ends_when_its_command_is_killed(containers: Containers) -> None:
    """kill -9 of the command: the zygote sees its socket close and exits; the container runs on."""
    spec = containers.spec("sleep 30")
    script = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from composer.runtime import ContainerSpec, RuncRuntime
        spec = ContainerSpec({spec.name!r}, {spec.project!r}, "svc", ("sleep", "30"), {spec.lowerdirs!r}, stop_grace=2.0)
        runtime = RuncRuntime(); runtime.create(spec); runtime.start(spec.name)
        print("started", flush=True)
        time.sleep(60)
    """)
    command = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert command.stdout.readline().strip() == "started"
        [zygote] = _zygotes_of(command.pid)
        command.kill()
        command.wait(timeout=10)
        wait_for(lambda: not Path(f"/proc/{zygote}").exists() or b" Z " in Path(f"/proc/{zygote}/stat").read_bytes(),
                 what="the zygote to exit")
        assert containers.runtime.inspect(spec.name).status == "running"
    finally:
        command.kill()
        command.wait(timeout=10)


def test_a_prewarmed_zygote_serves_the_first_launch_and_an_unused_one_is_not_waited_for(containers: Containers) -> None:
    launch._zygote.close()
    launch._zygote = launch._Zygote()
    launch.prewarm()  # what `up` asks before it plans
    [zygote] = _started_zygotes(1)
    spec = containers.run("sleep 30")
    assert _zygotes_of(os.getpid()) == [zygote]  # the launch used the one already started
    assert containers.runtime.inspect(spec.name).status == "running"
    unused = launch._Zygote()
    unused._control()
    [spare] = [pid for pid in _started_zygotes(2) if pid != zygote]
    unused.close()  # never asked for a supervisor: killed, not waited through its imports
    assert spare not in _zygotes_of(os.getpid())


def _started_zygotes(count: int) -> list[int]:
    """Our zygotes once `count` of them have exec'd (a child just forked still shows our cmdline)."""
    for _ in range(500):  # bounded: 5 s
        found = _zygotes_of(os.getpid())
        if len(found) >= count:
            return found
        time.sleep(0.01)
    return _zygotes_of(os.getpid())
