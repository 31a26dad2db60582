"""A `compose watch` (or `up --watch`) process for the watch tests, stopped at teardown.

Its output goes to a file the test polls; teardown sends SIGINT (as Ctrl-C), waits,
and kills it only if it would not end. The `project` fixture (tests.support.project)
then runs `down`, so no container outlives a test even when it failed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

WAIT = 20.0  # seconds: the bound of every wait in these tests


def wait_until(predicate: Callable[[], object], timeout: float = WAIT, what: str = "condition") -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class Watcher:
    def __init__(self, project, *args: str) -> None:
        self.project = project
        self.log = project.dir / f"watch-{time.monotonic_ns()}.log"
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "composer", "-p", project.name, *args],
                cwd=project.dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env={k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")},
            )  # fmt: skip

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def lines(self, text: str) -> list[str]:
        return [line for line in self.output.splitlines() if text in line]

    def wait_for(self, text: str, count: int = 1, timeout: float = WAIT) -> None:
        def seen() -> bool:
            if self.process.poll() is not None and len(self.lines(text)) < count:
                raise AssertionError(f"watch exited with {self.process.returncode}:\n{self.output}")
            return len(self.lines(text)) >= count

        try:
            wait_until(seen, timeout, f"{count}× {text!r}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- output ---\n{self.output}") from None

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode


@pytest.fixture
def watch(project) -> Iterator[Callable[..., Watcher]]:
    """watch(*args) starts `compose -p <project> <args>` (e.g. "watch", "--no-up")."""
    started: list[Watcher] = []

    def start(*args: str) -> Watcher:
        watcher = Watcher(project, *args)
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


def container_file(project, service: str, path: str) -> str | None:
    """A file's content as the container sees it (compose exec cat); None if it is not there."""
    result = project.compose("exec", "-T", service, "cat", path)
    return result.stdout if result.returncode == 0 else None


def write_atomically(path: Path, text: str) -> None:
    """As editors save: a temp file beside it, then renamed over it."""
    temp = path.with_name(f".{path.name}.tmp-save")
    temp.write_text(text)
    os.replace(temp, path)
