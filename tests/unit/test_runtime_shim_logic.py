"""The supervisor's pure parts: restart decisions, backoff, its config and state files,
runc command lines and error lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import composer

from composer.runtime.runc import last_error_line
from composer.shim.config import Healthcheck, RestartPolicy, ShimConfig
from composer.shim.restart import Backoff, should_restart
from composer.shim.runc_argv import RuncArgv
from composer.shim.state import HealthRecord, HealthResult, ShimState, iso_time, read_state, write_state


@pytest.mark.parametrize(
    ("policy", "exit_code", "restarts", "stop", "expected"),
    [
        ("no", 1, 0, False, False),
        ("always", 0, 50, False, True),
        ("always", 1, 0, True, False),
        ("unless-stopped", 0, 0, False, True),
        ("on-failure", 0, 0, False, False),
        ("on-failure", 3, 1000, False, True),
        ("on-failure:2", 1, 1, False, True),
        ("on-failure:2", 1, 2, False, False),
    ],
)
def test_should_restart(policy: str, exit_code: int, restarts: int, stop: bool, expected: bool) -> None:
    assert should_restart(RestartPolicy.parse(policy), exit_code, restarts, stop) is expected


def test_backoff_doubles_caps_and_resets_after_a_long_run() -> None:
    backoff = Backoff()
    delays = [backoff.next_delay(ran_for=0.01) for _ in range(12)]
    assert delays == pytest.approx([0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 60.0, 60.0])  # Docker's cap: 1 min
    assert backoff.next_delay(ran_for=10.0) == 0.1
    assert backoff.next_delay(ran_for=1.0) == 0.2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sometimes", "unknown restart policy 'sometimes'"),
        ("always:3", "takes no retry count"),
        ("on-failure:x", "the retry count must be a number"),
    ],
)
def test_restart_policy_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RestartPolicy.parse(text)


def test_healthcheck_commands_and_validation() -> None:
    assert Healthcheck(("CMD", "curl", "-f", "x")).command() == ["curl", "-f", "x"]
    assert Healthcheck(("CMD-SHELL", "curl -f x || exit 1")).command() == ["/bin/sh", "-c", "curl -f x || exit 1"]
    with pytest.raises(ValueError, match="must start with CMD or CMD-SHELL"):
        Healthcheck(("NONE",))
    with pytest.raises(ValueError, match="retries >= 1"):
        Healthcheck(("CMD", "true"), retries=0)


def test_shim_config_round_trip() -> None:
    cfg = ShimConfig(
        name="p-s-1",
        project="p",
        service="s",
        state_dir="/run/composer/containers/p-s-1",
        runc="/usr/sbin/runc",
        runc_root="/run/composer/runc",
        cgroup_path="/composer/p-s-1",
        restart=RestartPolicy("on-failure", 3),
        healthcheck=Healthcheck(("CMD", "true"), interval=1.5),
        log_options={"max-size": "1m"},
    )
    assert ShimConfig.from_json(cfg.to_json()) == cfg


def test_state_round_trip_keeps_health_log_bounded(tmp_path) -> None:
    record = HealthRecord()
    for i in range(8):
        record.add(HealthResult(iso_time(), iso_time(), i, f"probe {i}"))
    state = ShimState("p-s-1", status="running", pid=42, restart_count=2, health=record, shim_pid=7)
    write_state(str(tmp_path / "state.json"), state)
    again = read_state(str(tmp_path / "state.json"))
    assert again == state and [r.exit_code for r in again.health.log] == [3, 4, 5, 6, 7]
    assert read_state(str(tmp_path / "missing.json")) is None


def test_iso_time_is_utc_with_microseconds() -> None:
    assert iso_time(0.25) == "1970-01-01T00:00:00.250000Z"


def test_runc_command_lines() -> None:
    runc = RuncArgv("/usr/sbin/runc", "/run/c/runc", "runc.log")
    base = ["/usr/sbin/runc", "--root", "/run/c/runc", "--log", "runc.log", "--log-format", "json"]
    assert runc.create("n", "/b", "init.pid", "console.sock") == base + [
        "create", "--bundle", "/b", "--pid-file", "init.pid", "--console-socket", "console.sock", "n",
    ]  # fmt: skip
    assert runc.delete("n", force=True) == base + ["delete", "--force", "n"]
    assert runc.kill("n", 15, all_processes=True) == base + ["kill", "--all", "n", "15"]
    assert runc.exec("n", ["id"], user=(1, 2), additional_gids=[3], cwd="/w", env=["A=1"], pid_file="p") == base + [
        "exec", "--user", "1:2", "--additional-gids", "3", "--cwd", "/w", "--env", "A=1", "--pid-file", "p", "n", "id",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("stderr", "line"),
    [
        (
            'time="2024-01-01T00:00:00Z" level=error msg="container \\"x\\" does not exist"\n',
            'container "x" does not exist',
        ),
        ("plain failure\nlast words\n", "last words"),
        ("", "no error message"),
    ],
)
def test_last_error_line(stderr: str, line: str) -> None:
    assert last_error_line(stderr) == line


def test_shim_imports_the_standard_library_only() -> None:
    """The supervisor lives as long as its container: no third-party imports, ever."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import composer.shim.main, composer.shim.supervisor, composer.shim.console, composer.logs;"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    package_parent = str(Path(composer.__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, "-I", "-S", "-c", probe, package_parent], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    top_level = {name.split(".")[0] for name in out.stdout.split()}
    assert top_level - sys.stdlib_module_names - {"composer", "__main__"} == set()
    assert not {"yaml", "networkx", "pyroute2", "colorama", "watchdog"} & top_level
