"""Waiting on containers' conditions: Compose v2's words, and never a silent wait."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from composer.executor import conditions
from composer.executor.conditions import COMPLETED, HEALTHY, STARTED, ConditionFailed, check, wait_for, why_not_ready
from composer.runtime.api import ContainerState, HealthProbe, HealthState

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)


def state(name="p-db-1", status="running", exit_code=None, health=None, error=None) -> ContainerState:
    return ContainerState(name=name, project="p", service=name.split("-")[1], status=status, pid=1, exit_code=exit_code,
                          oom_killed=False, started_at=NOW, finished_at=None, restart_count=0, health=health,
                          supervisor_alive=True, supervisor_pid=2, spec_hash="h", error=error)


def health(status: str, exit_code: int = 1, output: str = "connection refused\n") -> HealthState:
    return HealthState(status, 1, (HealthProbe(NOW, NOW, exit_code, output),))


@pytest.mark.parametrize("container, condition, message", [
    (state(health=health("unhealthy")), HEALTHY, "container p-db-1 is unhealthy"),
    (state(status="exited", exit_code=2, health=health("starting")), HEALTHY, "container p-db-1 exited (2)"),
    (state(), HEALTHY, "container p-db-1 has no healthcheck configured"),
    (state(status="exited", exit_code=3), COMPLETED, 'service "db" didn\'t complete successfully: exit 3'),
])
def test_failures_are_compose_v2s_lines(container, condition, message):
    with pytest.raises(ConditionFailed) as failed:
        check(container, condition)
    assert failed.value.message == message


def test_met_and_not_yet():
    assert check(state(health=health("healthy", 0)), HEALTHY)
    assert not check(state(health=health("starting")), HEALTHY)
    assert check(state(status="exited", exit_code=0), COMPLETED) and not check(state(), COMPLETED)
    assert check(state(), STARTED)


def test_why_not_ready_names_the_last_probe_and_the_state():
    assert why_not_ready(state(health=health("starting")), HEALTHY) == "health starting, last probe exit 1: connection refused"
    assert why_not_ready(state(health=health("starting", -1, "")), HEALTHY) == "health starting, last probe timed out"
    assert why_not_ready(state(health=HealthState("starting", 0, ())), HEALTHY) == "health starting, no probe has finished yet"
    assert why_not_ready(state(), COMPLETED) == "still running (it has to exit with code 0)"
    assert why_not_ready(state(status="created"), STARTED) == "not running yet (status created)"
    assert why_not_ready(state(error="runc create failed"), STARTED) == "runc create failed"


def test_a_slow_wait_says_what_it_waits_for_then_times_out_with_details(monkeypatch):
    monkeypatch.setattr(conditions, "SLOW_WAIT_SECONDS", 0.05)
    monkeypatch.setattr(conditions, "REPORT_EVERY_SECONDS", 0.05)
    said: list[tuple[str, str]] = []
    with pytest.raises(ConditionFailed) as failed:
        wait_for(lambda: [state(health=health("starting"))], HEALTHY, timeout=0.3,
                 report=lambda name, text: said.append((name, text)), timeout_message="application not healthy after 0.3s")
    assert said[0] == ("p-db-1", "Waiting")
    slow = [text for _, text in said[1:]]
    assert slow and all(t.startswith("Waiting (") and t.endswith("): health starting, last probe exit 1: connection refused") for t in slow)
    assert failed.value.lines() == ["application not healthy after 0.3s",
                                    "p-db-1: health starting, last probe exit 1: connection refused"]


def test_progress_words_as_compose_v2():
    said: list[tuple[str, str]] = []
    report = lambda name, text: said.append((name, text))  # noqa: E731
    wait_for(lambda: [state(health=health("healthy", 0))], HEALTHY, report=report)
    wait_for(lambda: [state("p-init-1", status="exited", exit_code=0)], COMPLETED, report=report)
    wait_for(lambda: [state("p-web-1")], STARTED, report=report)  # depends_on: nothing said for started
    wait_for(lambda: [state("p-web-1")], STARTED, report=report, announce_started=True)  # up --wait: said
    assert said == [("p-db-1", "Waiting"), ("p-db-1", "Healthy"), ("p-init-1", "Waiting"), ("p-init-1", "Exited"),
                    ("p-web-1", "Waiting"), ("p-web-1", "Healthy")]
    with pytest.raises(ConditionFailed) as failed:
        wait_for(lambda: [state(health=health("unhealthy"))], HEALTHY, report=report)
    assert said[-1] == ("p-db-1", "Error")
    assert failed.value.lines() == ["container p-db-1 is unhealthy", "p-db-1: health unhealthy, last probe exit 1: connection refused"]
