"""Real runc containers on a busybox rootfs: process, identity, inspect, exec, remove."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_runtime_support import (  # noqa: F401  (fixtures)
    Containers,
    busybox,
    containers,
    leftovers,
    needs_runc,
    supervisor_pids,
    wait_for,
)

from composer.errors import RuntimeFailure
from composer.runtime import LogConfig, RestartPolicy
from composer.runtime.layout import ContainerPaths
from composer.runtime.rootfs import is_mounted, mount_overlay

pytestmark = [pytest.mark.needs_root, needs_runc]


@pytest.mark.parametrize("code", [0, 3, 255])
def test_exit_code_is_reported(containers: Containers, code: int) -> None:
    assert containers.run_to_end(f"exit {code}")[0] == code


def test_signal_death_is_128_plus_signal(containers: Containers) -> None:
    # sh is not PID 1 under tini, so it can die of a signal it does not handle
    assert containers.run_to_end("kill -USR1 $$; sleep 5", init=True)[0] == 128 + 10
    spec = containers.run("sleep 30", restart=RestartPolicy("always"))
    containers.runtime.kill(spec.name, "KILL")
    assert containers.wait_exit(spec.name) == 137  # and kill means no restart, as Docker
    assert containers.runtime.inspect(spec.name).restart_count == 0


def test_env_cwd_and_hostname(containers: Containers) -> None:
    code, out = containers.run_to_end(
        'echo "$GREETING|$HOME|$PATH"; pwd; hostname; cat /proc/sys/kernel/domainname',
        env={"GREETING": "hi there"},
        cwd="/srv/app",
        hostname="web",
        domainname="example.test",
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "hi there|/root|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert lines[1:] == ["/srv/app", "web", "example.test"]


@pytest.mark.parametrize(
    ("user", "group_add", "expected"),
    [
        ("", (), "0 0 0"),
        ("app", (), "1000 1000 1000 2000"),
        ("1000", (), "1000 1000 1000 2000"),
        ("app:nogroup", (), "1000 65534 65534"),
        ("4242:4343", ("extra",), "4242 4343 2000 4343"),
        ("nobody", ("1234",), "65534 65534 65534 1234"),
    ],
)
def test_user_and_groups(containers: Containers, user: str, group_add: tuple[str, ...], expected: str) -> None:
    code, out = containers.run_to_end("echo $(id -u) $(id -g) $(id -G)", user=user, group_add=group_add)
    assert code == 0
    uid, gid, *groups = out.split()
    want_uid, want_gid, *want_groups = expected.split()
    assert (uid, gid, sorted(groups)) == (want_uid, want_gid, sorted(want_groups))


def test_unknown_user_is_one_line_error_and_leaves_nothing(containers: Containers) -> None:
    spec = containers.spec("true", user="ghost")
    with pytest.raises(RuntimeFailure, match=rf"container {spec.name}: user 'ghost' is not in the image's /etc/passwd"):
        containers.runtime.create(spec)
    assert leftovers(spec.name) == []


def test_runc_failure_names_container_and_reason(containers: Containers) -> None:
    spec = containers.spec(("/no/such/binary",))
    containers.runtime.create(spec)
    with pytest.raises(RuntimeFailure, match=rf"container {spec.name}: runc create failed: .*no such file"):
        containers.runtime.start(spec.name)
    state = containers.runtime.inspect(spec.name)
    assert (state.status, state.exit_code, state.supervisor_alive) == ("exited", 128, False)


def test_inspect_states_and_list(containers: Containers) -> None:
    runtime = containers.runtime
    spec = containers.spec("sleep 30")
    runtime.create(spec)
    runtime.create(spec)  # the same spec again is a no-op
    created = runtime.inspect(spec.name)
    assert (created.status, created.pid, created.supervisor_alive) == ("created", None, False)
    runtime.start(spec.name)
    runtime.start(spec.name)  # already running: no-op
    running = runtime.inspect(spec.name)
    assert running.status == "running" and running.pid and running.supervisor_alive and running.started_at
    assert [s.name for s in runtime.list(spec.project)] == [spec.name]
    assert runtime.list("some-other-project") == []
    assert Path(f"/proc/{running.pid}/comm").read_text() != "runc:[2:INIT]\n"  # start() waits for the exec
    runtime.stop(spec.name, timeout=1)
    stopped = runtime.inspect(spec.name)
    # sh as PID 1 has no TERM handler, so the kernel ignores TERM: SIGKILL after the grace
    assert stopped.status == "exited" and stopped.exit_code == 137 and stopped.finished_at


def test_create_refuses_a_different_spec_under_the_same_name(containers: Containers) -> None:
    spec = containers.spec("true")
    containers.runtime.create(spec)
    other = type(spec)(**{**spec.__dict__, "args": ("false",)})
    with pytest.raises(RuntimeFailure, match=f"container {spec.name} already exists with another configuration"):
        containers.runtime.create(other)


def test_inspect_of_unknown_container(containers: Containers) -> None:
    with pytest.raises(RuntimeFailure, match="no such container: nope-nope-1"):
        containers.runtime.inspect("nope-nope-1")


def test_exec_exit_code_user_env_cwd(containers: Containers) -> None:
    spec = containers.run("sleep 30")
    runtime = containers.runtime
    assert runtime.exec(spec.name, ["sh", "-c", "exit 7"], tty=False) == 7
    out = subprocess.run(
        [sys.executable, "-c", EXEC_SCRIPT, spec.name],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.stdout.split() == ["1000", "2000", "/tmp", "yes"], out.stderr


EXEC_SCRIPT = """
import sys
from composer.runtime import RuncRuntime
sys.exit(RuncRuntime().exec(sys.argv[1], ["sh", "-c", "id -u; id -G | tr ' ' '\\n' | grep 2000; pwd; echo $FLAG"],
                            env={"FLAG": "yes"}, user="app", cwd="/tmp", tty=False))
"""


def test_exec_in_stopped_container_is_refused(containers: Containers) -> None:
    spec = containers.spec("true")
    containers.runtime.create(spec)
    with pytest.raises(RuntimeFailure, match=f"container {spec.name} is not running"):
        containers.runtime.exec(spec.name, ["true"], tty=False)


def test_remove_is_idempotent_and_finishes_half_made_containers(containers: Containers, busybox) -> None:
    runtime = containers.runtime
    spec = containers.run("sleep 30")
    runtime.remove(spec.name)
    runtime.remove(spec.name)
    assert leftovers(spec.name) == []
    # Half-made: a mounted rootfs and a state dir, but no shim.json (a crash inside create).
    half = containers.spec("true")
    paths = ContainerPaths.for_name(half.name)
    mount_overlay(half.name, half.lowerdirs, paths.upper, paths.work, paths.rootfs)
    assert is_mounted(paths.rootfs)
    runtime.remove(half.name)
    assert leftovers(half.name) == []


def test_tty_container_output_reaches_the_log(containers: Containers) -> None:
    code, out = containers.run_to_end("tty; echo hello-from-tty", tty=True)
    assert code == 0
    assert out.splitlines()[0].startswith("/dev/pts/") and "hello-from-tty" in out


def test_init_runs_tini_as_pid_1(containers: Containers) -> None:
    code, out = containers.run_to_end("cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$", init=True)
    assert code == 0
    first, second = out.splitlines()
    assert first.startswith("/dev/init -- sh -c") and second != "1"


def test_logs_reach_the_json_file_through_composer_logs(containers: Containers) -> None:
    spec = containers.run("echo out-line; echo err-line >&2; printf partial", log=LogConfig("json-file", {}))
    assert containers.wait_exit(spec.name) == 0
    log_file = ContainerPaths.for_name(spec.name).data_dir / f"{spec.name}.log"
    text = log_file.read_text()
    assert '"log":"out-line\\n","stream":"stdout"' in text
    assert '"log":"err-line\\n","stream":"stderr"' in text
    # stdout and stderr are separate pipes: their relative order is not kept
    assert sorted(containers.output(spec).split()) == ["err-line", "out-line", "partial"]


def test_supervisor_survives_its_parent_exiting(containers: Containers) -> None:
    spec = containers.spec("while true; do echo tick; sleep 0.05; done")
    containers.runtime.create(spec)
    subprocess.run(
        [sys.executable, "-c", f"from composer.runtime import RuncRuntime; RuncRuntime().start({spec.name!r})"],
        check=True,
        timeout=30,
    )
    state = containers.runtime.inspect(spec.name)
    assert state.status == "running" and state.supervisor_alive
    before = containers.output(spec).count("tick")
    wait_for(lambda: containers.output(spec).count("tick") > before + 3, what="more output after the CLI exited")


def test_supervisor_kill_9_is_detected_and_container_still_removed(containers: Containers) -> None:
    spec = containers.run("sleep 30")
    state = containers.runtime.inspect(spec.name)
    os.kill(state.supervisor_pid, signal.SIGKILL)
    lost = wait_for(lambda: (s := containers.runtime.inspect(spec.name)) and not s.supervisor_alive and s)
    assert lost.status == "running" and "supervisor" in lost.error and lost.pid == state.pid
    containers.runtime.remove(spec.name)
    assert leftovers(spec.name) == []
    assert supervisor_pids(spec.name) == []


def test_pause_resume_and_top(containers: Containers) -> None:
    spec = containers.run("sleep 30 & sleep 31; wait")
    pids = containers.runtime.top(spec.name)
    assert len(pids) == 3 and containers.runtime.inspect(spec.name).pid in pids
    containers.runtime.pause(spec.name)
    assert containers.runtime.inspect(spec.name).status == "paused"
    containers.runtime.resume(spec.name)
    assert containers.runtime.inspect(spec.name).status == "running"
    containers.runtime.pause(spec.name)
    containers.runtime.stop(spec.name, timeout=0)  # a paused container is thawed, then killed
    assert containers.runtime.inspect(spec.name).exit_code == 137


def test_remove_can_keep_the_writable_layer(containers: Containers) -> None:
    spec = containers.run("echo kept > /kept.txt")
    assert containers.wait_exit(spec.name) == 0
    paths = ContainerPaths.for_name(spec.name)
    containers.runtime.remove(spec.name, keep_data=True)
    try:
        assert (paths.upper / "kept.txt").read_text() == "kept\n"
        assert not paths.state_dir.exists()
    finally:
        shutil.rmtree(paths.data_dir)


def test_exec_gets_a_pty_when_attached_to_a_terminal(containers: Containers) -> None:
    spec = containers.run("sleep 30")
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", EXEC_TTY_SCRIPT, spec.name],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            start_new_session=True,
        )
        os.close(terminal)
        output = b""
        while proc.poll() is None or select.select([controller], [], [], 0)[0]:
            if select.select([controller], [], [], 1)[0]:
                try:
                    output += os.read(controller, 4096)
                except OSError:  # EIO: the terminal's last user is gone
                    break
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(controller)
    assert b"/dev/pts/" in output


EXEC_TTY_SCRIPT = """
import sys
from composer.runtime import RuncRuntime
sys.exit(RuncRuntime().exec(sys.argv[1], ["tty"]))
"""
