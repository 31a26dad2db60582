"""The supervisor's duties: restart policies, stop grace, healthchecks."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_runtime_support import Containers, busybox, containers, needs_runc, wait_for  # noqa: F401  (fixtures)

from composer.runtime import Healthcheck, Mount, RestartPolicy

pytestmark = [pytest.mark.needs_root, needs_runc]


def runs_dir(tmp_path: Path) -> tuple[Path, Mount]:
    runs = tmp_path / "runs"
    runs.mkdir()
    return runs, Mount.bind(str(runs), "/runs")


def test_on_failure_2_runs_exactly_three_times(containers: Containers, tmp_path: Path) -> None:
    runs, mount = runs_dir(tmp_path)
    spec = containers.run("echo run >> /runs/log; exit 1", restart=RestartPolicy.parse("on-failure:2"), mounts=(mount,))
    assert containers.wait_exit(spec.name) == 1
    state = containers.runtime.inspect(spec.name)
    assert (state.restart_count, (runs / "log").read_text().count("run")) == (2, 3)


def test_on_failure_does_not_restart_a_success(containers: Containers, tmp_path: Path) -> None:
    runs, mount = runs_dir(tmp_path)
    spec = containers.run("echo run >> /runs/log", restart=RestartPolicy("on-failure"), mounts=(mount,))
    assert containers.wait_exit(spec.name) == 0
    assert containers.runtime.inspect(spec.name).restart_count == 0


@pytest.mark.parametrize("policy", ["always", "unless-stopped"])
def test_always_restarts_until_stopped(containers: Containers, tmp_path: Path, policy: str) -> None:
    runs, mount = runs_dir(tmp_path)
    spec = containers.run("echo run >> /runs/log; exit 0", restart=RestartPolicy(policy), mounts=(mount,))
    wait_for(lambda: containers.runtime.inspect(spec.name).restart_count >= 2, what="two restarts")
    containers.runtime.stop(spec.name, timeout=1)
    state = containers.runtime.inspect(spec.name)
    assert state.status == "exited" and not state.supervisor_alive
    count = (runs / "log").read_text().count("run")
    assert count >= 3 and count == state.restart_count + 1


def test_stop_honoured_early_ignored_killed_after_grace(containers: Containers) -> None:
    loop = "while true; do sleep 0.05; done"
    polite = containers.run(f"trap 'echo got-term; exit 0' TERM; echo ready; {loop}")
    stubborn = containers.run(f"trap 'echo ignoring-term' TERM; echo ready; {loop}")
    for spec in (polite, stubborn):
        wait_for(lambda spec=spec: "ready" in containers.output(spec), what="the trap to be set")
    containers.runtime.stop(polite.name, timeout=30)  # an exit 0 proves it was not SIGKILLed
    containers.runtime.stop(stubborn.name, timeout=0.5)
    assert containers.runtime.inspect(polite.name).exit_code == 0
    assert "got-term" in containers.output(polite)
    assert containers.runtime.inspect(stubborn.name).exit_code == 137
    assert "ignoring-term" in containers.output(stubborn)


def test_custom_stop_signal(containers: Containers) -> None:
    spec = containers.run("trap 'exit 42' USR1; echo ready; while true; do sleep 0.05; done", stop_signal="SIGUSR1")
    wait_for(lambda: "ready" in containers.output(spec), what="the trap to be set")
    containers.runtime.stop(spec.name)
    assert containers.runtime.inspect(spec.name).exit_code == 42


def test_stop_during_restart_backoff_ends_supervision(containers: Containers) -> None:
    spec = containers.run("exit 1", restart=RestartPolicy("always"))
    wait_for(lambda: containers.runtime.inspect(spec.name).restart_count >= 3, what="a few restarts")
    containers.runtime.stop(spec.name, timeout=1)
    state = containers.runtime.inspect(spec.name)
    assert state.status == "exited" and not state.supervisor_alive


def test_health_goes_healthy_then_unhealthy(containers: Containers) -> None:
    check = Healthcheck(("CMD-SHELL", "test -e /tmp/ok && echo fine"), interval=0.1, timeout=2, retries=2)
    spec = containers.run("touch /tmp/ok; sleep 30", healthcheck=check)
    healthy = wait_for(lambda: _health(containers, spec.name, "healthy"), what="healthy")
    assert healthy.failing_streak == 0 and healthy.log[-1].exit_code == 0 and healthy.log[-1].output == "fine\n"
    assert containers.runtime.exec(spec.name, ["rm", "/tmp/ok"], tty=False) == 0
    unhealthy = wait_for(lambda: _health(containers, spec.name, "unhealthy"), what="unhealthy")
    assert unhealthy.failing_streak >= 2 and unhealthy.log[-1].exit_code == 1
    wait_for(lambda: len(containers.runtime.inspect(spec.name).health.log) == 5, what="a full health log")


def test_health_probe_timeout_counts_as_failure(containers: Containers) -> None:
    check = Healthcheck(("CMD", "sleep", "10"), interval=0.1, timeout=0.3, retries=1)
    spec = containers.run("sleep 30", healthcheck=check)
    health = wait_for(lambda: _health(containers, spec.name, "unhealthy"), what="unhealthy")
    assert health.log[-1].exit_code == -1 and "exceeded timeout" in health.log[-1].output


def test_health_failures_in_start_period_do_not_count(containers: Containers) -> None:
    check = Healthcheck(("CMD", "false"), interval=0.1, timeout=2, retries=1, start_period=60)
    spec = containers.run("sleep 30", healthcheck=check)
    wait_for(lambda: len(containers.runtime.inspect(spec.name).health.log) >= 3, what="three probes")
    health = containers.runtime.inspect(spec.name).health
    assert (health.status, health.failing_streak) == ("starting", 0)


def _health(containers: Containers, name: str, status: str):
    health = containers.runtime.inspect(name).health
    return health if health and health.status == status else None
