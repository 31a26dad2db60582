"""Counters per ambassador, the stats file `compose ps` reads, and the rate-limited event log.

The stats file is rewritten atomically at most once per `interval` (1 s by default) while
something changes, and once more on exit. When nothing happens, nothing wakes up.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Callable, TextIO

from netplugins.forwarder.config import write_json_atomically
from netplugins.forwarder.loop import EventLoop, Timer

LOG_INTERVAL = 5.0  # per kind of message, at most one line this often


class AmbassadorStats:
    """What one ambassador has done since the forwarder started."""

    __slots__ = (
        "active", "total", "bytes_in", "bytes_out", "connect_failures", "refused",
        "resets", "unavailable", "idle_closed", "dropped",
    )

    def __init__(self) -> None:
        for name in self.__slots__:
            setattr(self, name, 0)

    def as_dict(self) -> dict[str, int]:
        """bytes_in: client → target; bytes_out: target → client."""
        return {name: getattr(self, name) for name in self.__slots__}


class EventLog:
    """One line per notable event to stderr; repeats of a kind within LOG_INTERVAL are counted."""

    def __init__(self, stream: TextIO = sys.stderr, clock: Callable[[], float] = time.monotonic) -> None:
        self._stream = stream
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def event(self, ambassador: str, message: str, kind: str = "") -> None:
        """Log now; if `kind` is given, at most once per LOG_INTERVAL for that kind."""
        if kind:
            now = self._clock()
            if now - self._last.get(kind, -LOG_INTERVAL) < LOG_INTERVAL:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return
            self._last[kind] = now
            skipped = self._suppressed.pop(kind, 0)
            if skipped:
                message += f" ({skipped} similar suppressed)"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        where = f"ambassador {ambassador}" if ambassador else "forwarder"
        try:
            self._stream.write(f"{stamp} {where}: {message}\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass  # nobody listens to stderr any more; forwarding matters more than logging


class StatsFile:
    """Writes snapshot() to path atomically, at most once per interval."""

    def __init__(self, loop: EventLoop, path: str, snapshot: Callable[[], dict[str, Any]], log: EventLog) -> None:
        self._loop = loop
        self.path = path
        self.interval = 1.0
        self._snapshot = snapshot
        self._log = log
        self._timer: Timer | None = None
        self._last_written: dict[str, Any] | None = None
        self.keep_ticking: Callable[[], bool] = lambda: False

    def touch(self) -> None:
        """Something changed: make sure a write is scheduled."""
        if self._timer is None and self.path:
            self._timer = self._loop.call_later(self.interval, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self.write()
        if self.keep_ticking():  # bytes keep flowing on open connections
            self.touch()

    def write(self) -> None:
        if not self.path:
            return
        data = self._snapshot()
        if data == self._last_written:
            return
        self._last_written = data
        try:
            write_json_atomically(self.path, {"pid": os.getpid(), "updated": time.time(), **data})
        except OSError as exc:
            self._log.event("", f"cannot write stats file {self.path}: {exc.strerror}", kind="stats-write")

    def flush(self) -> None:
        self._loop.cancel(self._timer)
        self._timer = None
        self.write()
