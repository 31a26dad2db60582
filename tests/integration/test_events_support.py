"""A `compose events` subprocess for tests: its lines gathered by a thread, waited on with bounds."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

WAIT = 30.0  # seconds: the most any expected event may take to appear


class EventStream:
    def __init__(self, project, *args: str) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "composer", "-p", project.name, "events", *args],
            cwd=project.dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")},
        )
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_until_watching()

    def _read(self) -> None:
        for line in self.process.stdout:  # type: ignore[union-attr]
            self._queue.put(line.rstrip("\n"))

    def _wait_until_watching(self) -> None:
        """Until it holds its inotify descriptor and sleeps in select(): its first look at the
        state is done, so whatever happens next is an event."""
        proc = f"/proc/{self.process.pid}"
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                watching = any(os.readlink(f"{proc}/fd/{fd}") == "anon_inode:inotify" for fd in os.listdir(f"{proc}/fd"))
                with open(f"{proc}/wchan") as wchan:
                    if watching and wchan.read().startswith("poll_schedule_timeout"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"events did not start: {self.stop()}")

    def wait_for(self, found: Callable[[list[str]], bool], timeout: float = WAIT) -> list[str]:
        """Gather lines until found(lines) holds; every line seen so far either way."""
        deadline = time.monotonic() + timeout
        while not found(self.lines):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; events so far: {self.lines}")
            try:
                self.lines.append(self._queue.get(timeout=min(remaining, 0.5)))
            except queue.Empty:
                pass
        return self.lines

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        """Signal it; its exit code and stderr. The remaining lines are gathered."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        stderr = self.process.stderr.read()  # type: ignore[union-attr]
        time.sleep(0.1)
        while not self._queue.empty():
            self.lines.append(self._queue.get())
        return code, stderr

    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]

    def seen(self, service: str) -> list[str]:
        """The actions of one service's containers, in order (--json lines)."""
        return [e["action"] for e in self.events() if e["service"] == service]


def has(service: str, *actions: str, start: int = 0) -> Callable[[list[str]], bool]:
    """True once the service's actions from index `start` on include these, in this order."""
    def check(lines: list[str]) -> bool:
        seen = iter([e["action"] for e in map(json.loads, lines) if e["service"] == service][start:])
        return all(action in seen for action in actions)  # a subsequence: `in` consumes the iterator

    return check
