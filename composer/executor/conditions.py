"""Waiting for a dependency's condition: started, healthy, or completed successfully.

Health and exit status come from the supervisors' state files, so waiting is polling
the runtime's inspect(); a failure (unhealthy, exited, no healthcheck) is raised at
once with one line that names the container and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from composer.drivers.protocol import ContainerState
from composer.errors import ComposerError

POLL_SECONDS = 0.02


class ConditionFailed(ComposerError):
    pass


def check(state: ContainerState, condition: str) -> bool:
    """True when met, False when not yet; raises ConditionFailed when it never will be."""
    if condition == "service_completed_successfully":
        if state.status in ("exited", "dead"):
            if state.exit_code == 0:
                return True
            raise ConditionFailed(f"container {state.name} exited with code {state.exit_code}", "see compose logs")
        return False
    if condition == "service_started":  # a one-shot container that already exited was started
        return state.started_at is not None or state.status in ("running", "paused", "restarting")
    if condition == "service_healthy":
        if state.status in ("exited", "dead"):
            detail = "was OOM-killed" if state.oom_killed else f"exited with code {state.exit_code}"
            raise ConditionFailed(f"container {state.name} {detail} before it was healthy", "see compose logs")
        if state.health is None:
            raise ConditionFailed(f"container {state.name} has no healthcheck", "add a healthcheck or x-readiness, or depend on service_started")
        if state.health.status == "unhealthy":
            raise ConditionFailed(f"container {state.name} is unhealthy", "see compose ps and compose logs")
        return state.health.status == "healthy"
    raise ConditionFailed(f"unknown condition {condition}")


def _word(condition: str) -> str:
    return {"service_healthy": "healthy", "service_started": "started"}.get(condition, "done")


def wait_for(inspect: Callable[[], list[ContainerState]], condition: str, timeout: float | None = None, what: str = "") -> None:
    """Poll until every container meets the condition; timeout None waits as long as it takes."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        states = inspect()
        if states and all(check(state, condition) for state in states):
            return
        if deadline is not None and time.monotonic() > deadline:
            raise ConditionFailed(f"{what or 'containers'} not {_word(condition)} after {timeout:g}s", "see compose ps and compose logs")
        time.sleep(POLL_SECONDS)
