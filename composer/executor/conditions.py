"""Waiting for containers' conditions: started, healthy, or completed successfully.

Health and exit status come from the supervisors' state files, so waiting is polling the
runtime's inspect(). What a wait says, and when:
- Compose v2's progress words for each container it waits on: `Waiting`, then `Healthy`
  or `Exited`, or `Error`;
- once it has waited SLOW_WAIT_SECONDS, every REPORT_EVERY_SECONDS, why each container is
  not ready yet (`Waiting (12s): health starting, last probe exit 1: connection refused`),
  so no wait is silent;
- a failure (unhealthy, exited, no healthcheck, timeout) is raised at once as Compose v2's
  own line, with one detail line per container that was not ready and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from composer.drivers.protocol import ContainerState
from composer.errors import ComposerError

POLL_SECONDS = 0.02
SLOW_WAIT_SECONDS = 5.0
REPORT_EVERY_SECONDS = 5.0
STARTED, HEALTHY, COMPLETED = "service_started", "service_healthy", "service_completed_successfully"

Report = Callable[[str, str], None]  # (container name, progress text)


class ConditionFailed(ComposerError):
    """`message` is Compose v2's own line; `details`, one line per container not ready."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []

    def lines(self) -> list[str]:
        return [self.message, *self.details]


def check(state: ContainerState, condition: str) -> bool:
    """True when met, False when not yet; raises ConditionFailed (Compose's words) when it never will be."""
    if condition == COMPLETED:
        if state.status in ("exited", "dead"):
            if state.exit_code == 0:
                return True
            raise ConditionFailed(f'service "{state.service}" didn\'t complete successfully: exit {state.exit_code}')
        return False
    if condition == STARTED:  # a one-shot container that already exited was started
        return state.started_at is not None or state.status in ("running", "paused", "restarting")
    if condition == HEALTHY:
        if state.status in ("exited", "dead"):
            raise ConditionFailed(f"container {state.name} exited ({state.exit_code})")
        if state.health is None:
            raise ConditionFailed(f"container {state.name} has no healthcheck configured")
        if state.health.status == "unhealthy":
            raise ConditionFailed(f"container {state.name} is unhealthy")
        return state.health.status == "healthy"
    raise ConditionFailed(f"unknown condition {condition}")


def why_not_ready(state: ContainerState, condition: str) -> str:
    """What the container still lacks, in a few words (for slow waits and failures)."""
    if state.error:
        return state.error
    if state.status in ("exited", "dead"):
        return "was OOM-killed" if state.oom_killed else f"exited with code {state.exit_code}"
    if state.status not in ("running", "paused"):
        return f"not running yet (status {state.status})"
    if condition == COMPLETED:
        return "still running (it has to exit with code 0)"
    if condition == HEALTHY and state.health is None:
        return "its service has no healthcheck or x-readiness"
    if condition == HEALTHY:
        return f"health {state.health.status}, {_last_probe(state)}"
    return f"status {state.status}"


def _last_probe(state: ContainerState) -> str:
    if state.health is None or not state.health.log:
        return "no probe has finished yet"
    probe = state.health.log[-1]
    outcome = "timed out" if probe.exit_code == -1 else f"exit {probe.exit_code}"
    output = next((line.strip() for line in reversed(probe.output.splitlines()) if line.strip()), "")  # a traceback ends with its error
    return f"last probe {outcome}" + (f": {output[:160]}" if output else "")


def _done_word(condition: str) -> str:
    return "Exited" if condition == COMPLETED else "Healthy"


def wait_for(inspect: Callable[[], list[ContainerState]], condition: str | Callable[[ContainerState], str],
             timeout: float | None = None, report: Report | None = None,
             timeout_message: str | None = None, announce_started: bool = False) -> None:
    """Poll until every container inspect() lists meets its condition (one for all, or one
    per container); timeout None waits as long as it takes. `report` gets the progress words:
    for every container with announce_started (`up --wait`), else as depends_on does, for
    those that wait on more than being started."""
    condition_of = condition if callable(condition) else (lambda _state, c=condition: c)
    started = time.monotonic()
    next_report = started + SLOW_WAIT_SECONDS
    announced: set[str] = set()
    met: set[str] = set()
    while True:
        states = inspect()
        pending = []
        for state in states:
            wanted = condition_of(state)
            if report is not None and (announce_started or wanted != STARTED) and state.name not in announced:
                announced.add(state.name)
                report(state.name, "Waiting")
            try:
                ready = check(state, wanted)
            except ConditionFailed as failed:
                if report is not None:
                    report(state.name, "Error")
                failed.details = [f"{state.name}: {why_not_ready(state, wanted)}"]
                raise
            if not ready:
                pending.append((state, wanted))
            elif state.name in announced and state.name not in met:
                met.add(state.name)
                report(state.name, _done_word(wanted))  # type: ignore[misc]  (announced implies report)
        if states and not pending:
            return
        now = time.monotonic()
        if timeout is not None and now - started > timeout:
            raise ConditionFailed(timeout_message or f"containers not ready after {timeout:g}s",
                                  [f"{s.name}: {why_not_ready(s, w)}" for s, w in pending])
        if report is not None and now >= next_report:
            next_report = now + REPORT_EVERY_SECONDS
            for state, wanted in pending:
                report(state.name, f"Waiting ({now - started:.0f}s): {why_not_ready(state, wanted)}")
        time.sleep(POLL_SECONDS)
