"""Health: healthchecks run with `runc exec`, on the schedule every check follows (schedule.py).

Schedule: a fast start, then Docker's. Right after the container starts, the check runs
at once, then again 50 ms, 100 ms, 200 ms … after each failure (doubling, never past the
first interval) until it passes or the first interval is over; a probe started in that
first interval never counts as a failure. From then on Docker's rules, exactly: the next
probe runs one interval after the last one ended; a success makes the container healthy
and clears the failing streak; a failure adds to the streak, except while still
`starting` inside start_period; `retries` failures in a row make it unhealthy. A probe
that outlives `timeout` is killed and counts as a failure. (Docker itself waits one
interval before the first probe, which a chain of service_healthy dependencies pays
once per link.)

A container with both a healthcheck and an x-readiness probe (shim/readiness.py) shows
one record: healthy once both pass, unhealthy as soon as either is (HealthChecks).
"""

from __future__ import annotations

import os
import selectors
import signal
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from composer.shim.config import PROBE_PID_FILE, Healthcheck
from composer.shim.proc import read_pid_file, signal_if_alive, spawn
from composer.shim.runc_argv import RuncArgv
from composer.shim.schedule import ProbeClock, combined
from composer.shim.state import HEALTH_OUTPUT_BYTES, HealthRecord, HealthResult, iso_time

if TYPE_CHECKING:  # loaded only by containers that have one
    from composer.shim.readiness import ReadinessMonitor

@dataclass
class Probe:
    pid: int
    fd: int | None
    started: float  # monotonic
    started_wall: float
    deadline: float
    output: bytearray = field(default_factory=bytearray)


class HealthMonitor:
    """The healthcheck command, run in the container with `runc exec` on the ProbeClock's schedule."""

    def __init__(self, check: Healthcheck, runc: RuncArgv, name: str, selector: selectors.BaseSelector) -> None:
        self.check = check
        self.runc = runc
        self.name = name
        self.selector = selector
        self.clock = ProbeClock(check.interval, check.retries, check.start_period)
        self.probe: Probe | None = None
        self.abandoned: set[int] = set()  # timed-out probes still to be reaped

    @property
    def record(self) -> HealthRecord:
        return self.clock.record

    def container_started_now(self) -> None:
        self.cancel()
        self.clock.start(time.monotonic())

    def container_stopped(self) -> None:
        self.cancel()
        self.clock.stop()

    def deadline(self) -> float | None:
        return self.probe.deadline if self.probe else self.clock.next_run

    def tick(self, now: float) -> bool:
        """Start a due probe or time out a late one; True when the record changed."""
        if self.probe and now >= self.probe.deadline:
            self.abandoned.add(self.probe.pid)
            self._kill_probe()
            self._finish(-1, f"Health check exceeded timeout ({self.check.timeout:g}s)")
            return True
        if self.probe is None and self.clock.due(now):
            self._start_probe(now)
        return False

    def owns_fd(self, fd: int) -> bool:
        return self.probe is not None and self.probe.fd == fd

    def on_readable(self, fd: int) -> None:
        assert self.probe is not None
        data = os.read(fd, 65536)
        if not data:
            self._close_pipe()
            return
        room = HEALTH_OUTPUT_BYTES - len(self.probe.output)
        self.probe.output += data[: max(room, 0)]

    def on_exit(self, pid: int, exit_code: int) -> bool:
        """Handle a reaped child if it was one of our probes; True when the record changed."""
        if pid in self.abandoned:
            self.abandoned.discard(pid)
            return False
        if self.probe is None or pid != self.probe.pid:
            return False
        self._drain_pipe()
        self._finish(exit_code, self.probe.output.decode(errors="replace"))
        return True

    def owns_pid(self, pid: int) -> bool:
        return pid in self.abandoned or (self.probe is not None and pid == self.probe.pid)

    def cancel(self) -> None:
        if self.probe:
            self.abandoned.add(self.probe.pid)
            self._kill_probe()
            self.probe = None

    def _start_probe(self, now: float) -> None:
        if os.path.exists(PROBE_PID_FILE):  # a stale pid must never be signalled
            os.unlink(PROBE_PID_FILE)
        read_end, write_end = os.pipe()
        devnull = os.open(os.devnull, os.O_RDONLY)
        argv = self.runc.exec(self.name, self.check.command(), pid_file=PROBE_PID_FILE)
        try:
            pid = spawn(argv, devnull, write_end, write_end)
        finally:
            os.close(write_end)
            os.close(devnull)
        os.set_blocking(read_end, False)
        self.selector.register(read_end, selectors.EVENT_READ, ("probe", read_end))
        self.probe = Probe(pid, read_end, now, time.time(), now + self.check.timeout)

    def _finish(self, exit_code: int, output: str) -> None:
        assert self.probe is not None
        self._close_pipe()
        self.record.add(HealthResult(iso_time(self.probe.started_wall), iso_time(), exit_code, output))
        self.clock.result(exit_code == 0, self.probe.started, time.monotonic())
        self.probe = None

    def _kill_probe(self) -> None:
        assert self.probe is not None
        # runc exec does not pass SIGKILL on: kill the probe inside the container too.
        signal_if_alive(read_pid_file(PROBE_PID_FILE), signal.SIGKILL)
        signal_if_alive(self.probe.pid, signal.SIGKILL)
        self._close_pipe()

    def _drain_pipe(self) -> None:
        while self.probe and self.probe.fd is not None:
            try:
                self.on_readable(self.probe.fd)
            except BlockingIOError:
                self._close_pipe()

    def _close_pipe(self) -> None:
        if self.probe and self.probe.fd is not None:
            self.selector.unregister(self.probe.fd)
            os.close(self.probe.fd)
            self.probe.fd = None


class HealthChecks:
    """The container's checks, a healthcheck and/or an x-readiness probe, as the supervisor sees them."""

    def __init__(self, command: HealthMonitor | None, readiness: ReadinessMonitor | None) -> None:
        self.command = command
        self.readiness = readiness
        self.monitors: list[HealthMonitor | ReadinessMonitor] = [m for m in (command, readiness) if m is not None]

    def record(self) -> HealthRecord:
        return combined([monitor.record for monitor in self.monitors])

    def container_started_now(self, init_pid: int) -> None:
        if self.command:
            self.command.container_started_now()
        if self.readiness:
            self.readiness.container_started_now(init_pid)

    def container_stopped(self) -> None:
        for monitor in self.monitors:
            monitor.container_stopped()

    def deadlines(self) -> list[float]:
        return [d for d in (monitor.deadline() for monitor in self.monitors) if d is not None]

    def tick(self, now: float) -> bool:
        """True when a record changed."""
        changes = [monitor.tick(now) for monitor in self.monitors]
        return any(changes)

    def on_readable(self, fd: int) -> bool:
        if self.command and self.command.owns_fd(fd):
            self.command.on_readable(fd)
            return False
        return bool(self.readiness and self.readiness.owns_fd(fd) and self.readiness.on_readable(fd))

    def on_exit(self, pid: int, exit_code: int) -> bool:
        return bool(self.command and self.command.on_exit(pid, exit_code))

    def on_output(self, stream: str, data: bytes) -> bool:
        return bool(self.readiness and self.readiness.on_output(stream, data))
