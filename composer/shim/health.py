"""Healthchecks: run the test with `runc exec` on a schedule and keep Docker's health record.

Rules (Docker's): the first probe runs one interval after the start; a success makes the
container healthy and clears the failing streak; a failure adds to the streak, except
while still `starting` inside start_period; `retries` failures in a row make it
unhealthy. A probe that outlives `timeout` is killed and counts as a failure.
"""

from __future__ import annotations

import os
import selectors
import signal
import time
from dataclasses import dataclass, field

from composer.shim.config import PROBE_PID_FILE, Healthcheck
from composer.shim.proc import read_pid_file, signal_if_alive, spawn
from composer.shim.runc_argv import RuncArgv
from composer.shim.state import HEALTH_OUTPUT_BYTES, HealthRecord, HealthResult, iso_time


@dataclass
class Probe:
    pid: int
    fd: int | None
    started_wall: float
    deadline: float
    output: bytearray = field(default_factory=bytearray)


class HealthMonitor:
    def __init__(self, check: Healthcheck, runc: RuncArgv, name: str, selector: selectors.BaseSelector) -> None:
        self.check = check
        self.runc = runc
        self.name = name
        self.selector = selector
        self.record = HealthRecord()
        self.probe: Probe | None = None
        self.next_run: float | None = None
        self.container_started = 0.0
        self.abandoned: set[int] = set()  # timed-out probes still to be reaped

    def container_started_now(self) -> None:
        self.cancel()
        self.record = HealthRecord()
        self.container_started = time.monotonic()
        self.next_run = self.container_started + self.check.interval

    def container_stopped(self) -> None:
        self.cancel()
        self.next_run = None

    def deadline(self) -> float | None:
        return self.probe.deadline if self.probe else self.next_run

    def tick(self, now: float) -> bool:
        """Start a due probe or time out a late one; True when the record changed."""
        if self.probe and now >= self.probe.deadline:
            self.abandoned.add(self.probe.pid)
            self._kill_probe()
            self._finish(-1, f"Health check exceeded timeout ({self.check.timeout:g}s)")
            return True
        if self.probe is None and self.next_run is not None and now >= self.next_run:
            self._start_probe(now)
        return False

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
        self.probe = Probe(pid, read_end, time.time(), now + self.check.timeout)

    def _finish(self, exit_code: int, output: str) -> None:
        assert self.probe is not None
        self._close_pipe()
        self.record.add(HealthResult(iso_time(self.probe.started_wall), iso_time(), exit_code, output))
        self._apply(exit_code == 0)
        self.probe = None
        self.next_run = time.monotonic() + self.check.interval

    def _apply(self, passed: bool) -> None:
        record = self.record
        if passed:
            record.status, record.failing_streak = "healthy", 0
            return
        in_grace = time.monotonic() - self.container_started < self.check.start_period
        if record.status == "starting" and in_grace:
            return
        record.failing_streak += 1
        if record.failing_streak >= self.check.retries:
            record.status = "unhealthy"

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
