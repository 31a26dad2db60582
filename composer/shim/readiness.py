"""x-readiness probes, run by the supervisor itself: no command inside the container.

tcp and http probes connect from a short-lived thread that first enters the container's
network namespace (setns affects only the calling thread), so they reach ports bound to
the container's localhost and containers on internal networks alike. The log probe
searches the container's output as the supervisor writes it, only until it matches
once; it then holds until the container restarts. Results go through the ProbeClock,
so the schedule and the rules are the healthcheck's (shim/health.py).
"""

from __future__ import annotations

import ctypes
import os
import re
import selectors
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from composer.shim.config import Readiness
from composer.shim.schedule import ProbeClock
from composer.shim.state import HealthRecord, HealthResult, iso_time

CLONE_NEWNET = 0x40000000
LIBC = ctypes.CDLL(None, use_errno=True)
LINE_BUFFER_LIMIT = 64 * 1024  # of an unfinished output line, the part kept for matching
STATUS_LINE_LIMIT = 1024


@dataclass
class Attempt:
    """One probe: a connection made by a thread, or a look at what the log matcher saw."""

    started: float  # monotonic
    started_wall: float
    deadline: float
    outcome: tuple[bool, str] | None = None  # set by the probe thread


class ReadinessMonitor:
    def __init__(self, readiness: Readiness, selector: selectors.BaseSelector) -> None:
        self.readiness = readiness
        self.clock = ProbeClock(readiness.interval, readiness.retries, readiness.start_period)
        self.matcher = LineMatcher(readiness.target) if readiness.kind == "log" else None
        self.probe: Attempt | None = None
        self.netns_fd: int | None = None
        self.wake_read, self.wake_write = os.pipe()  # probe threads say "done" here
        os.set_blocking(self.wake_read, False)
        selector.register(self.wake_read, selectors.EVENT_READ, ("probe", self.wake_read))

    @property
    def record(self) -> HealthRecord:
        return self.clock.record

    def container_started_now(self, init_pid: int) -> None:
        self.container_stopped()
        if self.matcher is None:
            self.netns_fd = open_netns(init_pid)
        else:
            self.matcher.reset()
        self.clock.start(time.monotonic())

    def container_stopped(self) -> None:
        self.probe = None  # a thread still running reports into the abandoned probe
        self.clock.stop()
        if self.matcher:
            self.matcher.reset(listening=False)
        if self.netns_fd is not None:
            os.close(self.netns_fd)
            self.netns_fd = None

    def deadline(self) -> float | None:
        return self.probe.deadline if self.probe else self.clock.next_run

    def tick(self, now: float) -> bool:
        """Run a due probe, or fail a late one; True when the record changed."""
        if self.probe and now >= self.probe.deadline:
            late = (None, f"readiness probe exceeded timeout ({self.readiness.timeout:g}s)")
            self._report(self.probe.outcome or late)
            return True
        if self.probe is not None or not self.clock.due(now):
            return False
        if self.matcher is None:
            return self._start_net_probe(now)
        self.probe = Attempt(now, time.time(), now)
        self._finish(1, f"no output line matched {self.readiness.target!r} yet")
        return True

    def owns_fd(self, fd: int) -> bool:
        return fd == self.wake_read

    def on_readable(self, fd: int) -> bool:
        """A probe thread finished; True when the record changed."""
        try:
            os.read(fd, 256)
        except BlockingIOError:
            pass
        if self.probe is None or self.probe.outcome is None:
            return False  # an abandoned probe's thread, or not ours yet
        self._report(self.probe.outcome)
        return True

    def on_output(self, stream: str, data: bytes) -> bool:
        """Container output for the log probe; True when it just matched."""
        if self.matcher is None or not self.matcher.feed(stream, data):
            return False
        now = time.monotonic()
        self.probe = Attempt(now, time.time(), now)
        self._finish(0, f"output matched {self.readiness.target!r}")
        self.clock.stop()  # holds until the container restarts
        return True

    def _start_net_probe(self, now: float) -> bool:
        """Start a thread for the probe; True when it failed at once (the record changed)."""
        self.probe = Attempt(now, time.time(), now + self.readiness.timeout)
        if self.netns_fd is None:  # the container exited at once; its exit is on the way
            self._finish(1, "the container's network namespace is gone")
            return True
        check = check_tcp if self.readiness.kind == "tcp" else check_http
        args = (self.probe, check, self.readiness.target, os.dup(self.netns_fd), self.wake_write)
        threading.Thread(target=run_in_netns, args=args, name="readiness", daemon=True).start()
        return False

    def _report(self, outcome: tuple[bool | None, str]) -> None:
        """A thread's outcome; passed None: it ran out of time (exit code -1, as a healthcheck's)."""
        passed, output = outcome
        self._finish(-1 if passed is None else 0 if passed else 1, output)

    def _finish(self, exit_code: int, output: str) -> None:
        assert self.probe is not None
        self.record.add(HealthResult(iso_time(self.probe.started_wall), iso_time(), exit_code, output))
        self.clock.result(exit_code == 0, self.probe.started, time.monotonic())
        self.probe = None


def open_netns(init_pid: int) -> int | None:
    try:
        return os.open(f"/proc/{init_pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:  # already gone
        return None


def run_in_netns(probe: Attempt, check, target: str, netns_fd: int, wake_fd: int) -> None:
    """Thread body: enter the container's netns (this thread only), check, report."""
    try:
        if LIBC.setns(netns_fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns into the container's network namespace")
        probe.outcome = check(target, probe.deadline)
    except Exception as exc:  # noqa: BLE001  (every failure is a failed probe, told in its output)
        probe.outcome = (False, f"{target}: {exc}")
    finally:
        os.close(netns_fd)
        os.write(wake_fd, b"!")


def check_tcp(target: str, deadline: float) -> tuple[bool, str]:
    host, _, port = target.rpartition(":")
    with connect(host, int(port), deadline):
        return True, f"{target}: accepting connections"


def check_http(url: str, deadline: float) -> tuple[bool, str]:
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    request = f"GET {path} HTTP/1.0\r\nHost: {parts.netloc}\r\nUser-Agent: composer-readiness\r\n\r\n"
    with connect(parts.hostname or "", parts.port or 80, deadline) as sock:
        sock.sendall(request.encode())
        status_line = read_status_line(sock, deadline)
    words = status_line.split()
    code = int(words[1]) if len(words) > 1 and words[0].startswith("HTTP/") and words[1].isdigit() else 0
    return 200 <= code < 400, f"GET {url}: {status_line or 'no HTTP status line'}"


def connect(host: str, port: int, deadline: float) -> socket.socket:
    host = "127.0.0.1" if host == "localhost" else host.strip("[]")
    return socket.create_connection((host, port), timeout=max(deadline - time.monotonic(), 0.001))


def read_status_line(sock: socket.socket, deadline: float) -> str:
    received = b""
    while b"\n" not in received and len(received) < STATUS_LINE_LIMIT:
        sock.settimeout(max(deadline - time.monotonic(), 0.001))
        chunk = sock.recv(STATUS_LINE_LIMIT)
        if not chunk:
            break
        received += chunk
    return received.split(b"\n", 1)[0].decode(errors="replace").strip()


class LineMatcher:
    """Searches output lines (per stream, across reads) for a pattern, until it matches once."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)
        self.partial: dict[str, bytes] = {}
        self.listening = False

    def reset(self, listening: bool = True) -> None:
        self.partial.clear()
        self.listening = listening

    def feed(self, stream: str, data: bytes) -> bool:
        if not self.listening:
            return False
        *lines, rest = (self.partial.get(stream, b"") + data).split(b"\n")
        self.partial[stream] = rest[-LINE_BUFFER_LIMIT:]
        # the unfinished rest too: a prompt without a newline can say ready
        if any(self.pattern.search(line.decode(errors="replace").rstrip("\r")) for line in [*lines, rest]):
            self.listening = False
            return True
        return False
