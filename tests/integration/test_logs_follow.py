"""follow(): every line exactly once, in order, across rotations and writer restarts."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

import pytest

from composer.logs import LogConfig, LogTarget, open_reader, open_writer

DEADLINE = 30.0  # seconds; only a bound on a hang, never a timing assertion


def target(directory: Path) -> LogTarget:
    return LogTarget("p", "web", "p-web-1", str(directory))


class Collector:
    """Follows in a thread, collecting texts, until told to stop (or the deadline)."""

    def __init__(self, config: LogConfig, where: LogTarget, tail: int | None = 0) -> None:
        self.reader = open_reader(config, where)
        self.texts: list[str] = []
        self.polls = 0  # how often the follower asked whether to stop
        self._stop = threading.Event()
        self._deadline = time.monotonic() + DEADLINE
        self._thread = threading.Thread(target=self._run, args=(tail,), daemon=True)
        self._thread.start()

    def _run(self, tail: int | None) -> None:
        for record in self.reader.follow(self._should_stop, tail=tail):
            self.texts.append(record.text)

    def _should_stop(self) -> bool:
        self.polls += 1
        return self._stop.is_set() or time.monotonic() > self._deadline

    def wait_until_polling(self) -> None:
        """Until the follower has looked for the file at least once (and found none)."""
        while self.polls < 2 and time.monotonic() < self._deadline:
            time.sleep(0.005)

    def wait_for(self, count: int) -> list[str]:
        while len(self.texts) < count and time.monotonic() < self._deadline:
            time.sleep(0.01)
        return list(self.texts)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(DEADLINE)
        assert not self._thread.is_alive()


@pytest.fixture
def collectors():
    made: list[Collector] = []

    def make(config: LogConfig, where: LogTarget, tail: int | None = 0) -> Collector:
        made.append(Collector(config, where, tail))
        return made[-1]

    yield make
    for collector in made:
        collector.close()


def write_paced(config: LogConfig, where: LogTarget, numbers: range, per_write: int = 20, pause: float = 0.002) -> None:
    writer = open_writer(config, where)
    try:
        for start in range(numbers.start, numbers.stop, per_write):
            chunk = range(start, min(start + per_write, numbers.stop))
            writer.write("stdout", b"".join(b"numbered line %06d\n" % i for i in chunk))
            time.sleep(pause)
    finally:
        writer.close()


def expected(numbers: range) -> list[str]:
    return [f"numbered line {i:06d}" for i in numbers]


def run_writer(job: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=job, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("compress", ["false", "true"])
def test_follow_across_rotations_loses_and_repeats_nothing(tmp_path, collectors, compress):
    config = LogConfig("json-file", {"max-size": "16k", "max-file": "10", "compress": compress})
    collector = collectors(config, target(tmp_path), tail=None)
    collector.wait_until_polling()  # for the file to appear: everything in it will be new
    count = 6_000 if compress == "false" else 2_000
    pause = 0.002 if compress == "false" else 0.01
    writer = run_writer(lambda: write_paced(config, target(tmp_path), range(count), pause=pause))
    writer.join(DEADLINE)
    assert not writer.is_alive()
    assert collector.wait_for(count) == expected(range(count))
    assert len(list(tmp_path.iterdir())) >= 5  # it did rotate, several times


def test_follow_across_writer_restarts(tmp_path, collectors):
    config = LogConfig("json-file", {"max-size": "8k", "max-file": "6"})
    write_paced(config, target(tmp_path), range(0, 100), pause=0)
    collector = collectors(config, target(tmp_path), tail=30)
    assert collector.wait_for(30) == expected(range(70, 100))
    for run in range(1, 4):  # the container is recreated: a new writer on the same series
        write_paced(config, target(tmp_path), range(run * 100, run * 100 + 100))
    assert collector.wait_for(330) == expected(range(70, 400))


def test_follow_after_truncation_with_max_file_one(tmp_path, collectors):
    where = target(tmp_path)
    write_paced(LogConfig("json-file"), where, range(0, 40), pause=0)
    size = (tmp_path / "p-web-1.log").stat().st_size
    collector = collectors(LogConfig("json-file"), where, tail=None)
    assert collector.wait_for(40) == expected(range(40))
    truncating = LogConfig("json-file", {"max-size": str(size)})  # full already: the next write truncates
    write_paced(truncating, where, range(40, 50), pause=0)
    assert (tmp_path / "p-web-1.log").stat().st_size < size
    assert collector.wait_for(50) == expected(range(50))


def test_follow_waits_for_a_file_and_shows_unfinished_lines(tmp_path, collectors):
    config = LogConfig("json-file")
    collector = collectors(config, target(tmp_path))
    collector.wait_until_polling()
    writer = open_writer(config, target(tmp_path))
    try:
        writer.write("stdout", b"first\nPassword: ")
        assert collector.wait_for(1) == ["first"]
        writer.close()  # the unfinished line is written as a partial record
        assert collector.wait_for(2) == ["first", "Password: "]
    finally:
        writer.close()
