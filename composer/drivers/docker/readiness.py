"""x-readiness on the docker driver: probed from our side, as `up` observes the containers.

Choice (docs/drivers.md): an engine healthcheck would need a probe tool inside every image;
instead a tcp or http probe connects from a throwaway thread that has entered the
container's network namespace (/proc/<pid>/ns/net, as composer's own supervisor does), and
a log probe searches the engine's log stream. So it needs a local engine (the CLI and the
engine on one kernel) and root. The result is the container's health while `up` waits for
`service_healthy`: healthy once a probe passes, unhealthy when none has passed after the
start period, starting before that. A container that passed is not probed again.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
import time
from datetime import datetime, timezone

from composer.runtime.api import ContainerState, HealthProbe, HealthState
from composer.shim.readiness import CLONE_NEWNET, LIBC, check_http, check_tcp

SECOND = 1_000_000_000
DEFAULT_TIMEOUT_S = 1.0
DEFAULT_START_PERIOD_S = 60.0


class ReadinessProbes:
    def __init__(self, log_reader) -> None:
        self.log_reader = log_reader
        self.passed: set[tuple[str, object]] = set()  # (container, started_at) that passed

    def apply(self, state: ContainerState, declared) -> ContainerState:
        """The state with the readiness probe's verdict as its health (running containers only)."""
        if declared is None or state.health is not None or state.status != "running" or state.pid is None:
            return state
        key = (state.name, state.started_at)
        if key not in self.passed:
            passed, output = self._probe(state, declared)
            if passed:
                self.passed.add(key)
            else:
                return dataclasses.replace(state, health=_health(_verdict(state, declared), output))
        return dataclasses.replace(state, health=_health("healthy", "ready"))

    def _probe(self, state: ContainerState, declared) -> tuple[bool, str]:
        timeout = (declared.timeout or DEFAULT_TIMEOUT_S * SECOND) / SECOND
        if declared.log is not None:
            pattern = re.compile(declared.log)
            return any(pattern.search(record.text) for record in self.log_reader(state.name).read()), f"log /{declared.log}/"
        if declared.tcp is not None:
            target = f"127.0.0.1:{declared.tcp}" if declared.tcp.isdigit() else declared.tcp
            return in_netns(state.pid, lambda deadline: check_tcp(target, deadline), timeout)
        return in_netns(state.pid, lambda deadline: check_http(declared.http, deadline), timeout)


def _verdict(state: ContainerState, declared) -> str:
    period = (declared.start_period if declared.start_period is not None else DEFAULT_START_PERIOD_S * SECOND) / SECOND
    started = state.started_at or datetime.now(timezone.utc)
    return "unhealthy" if (datetime.now(timezone.utc) - started).total_seconds() > period else "starting"


def _health(status: str, output: str) -> HealthState:
    now = datetime.now(timezone.utc)
    return HealthState(status=status, failing_streak=0 if status == "healthy" else 1, log=(HealthProbe(now, now, 0 if status == "healthy" else 1, output),))


def in_netns(pid: int, check, timeout: float) -> tuple[bool, str]:
    """check(deadline) run in a fresh thread inside the process's network namespace."""
    outcome: list[tuple[bool, str]] = [(False, "probe did not finish")]

    def body() -> None:
        try:
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            outcome[0] = (False, f"network namespace of pid {pid}: {exc.strerror}")
            return
        try:
            if LIBC.setns(fd, CLONE_NEWNET) != 0:
                outcome[0] = (False, "cannot enter the container's network namespace (root and a local engine are needed)")
                return
            outcome[0] = check(time.monotonic() + timeout)
        except Exception as exc:  # noqa: BLE001  every failure is a failed probe, told in its output
            outcome[0] = (False, str(exc))
        finally:
            os.close(fd)

    thread = threading.Thread(target=body, daemon=True, name="readiness-probe")  # thrown away after: no thread stays in the netns
    thread.start()
    thread.join(timeout + 1)
    return outcome[0]
