"""Bounded memory whatever the container prints, and non-blocking mode against a stuck reader."""

from __future__ import annotations

import os
import select
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from composer.logs import LogConfig, LogTarget, open_writer

MB = 1024 * 1024


def target(directory: Path) -> LogTarget:
    return LogTarget("p", "web", "p-web-1", str(directory))


def peak_while(job) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        job()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("mode", ["blocking", "non-blocking"])
def test_200_mb_through_a_writer_keeps_memory_small(tmp_path, mode):
    options = {"max-size": "20m", "max-file": "3", "mode": mode}
    line = b"%06d a typical log line of about eighty bytes, with some padding text.\n"
    chunk = b"".join(line % i for i in range(800))

    def write() -> None:
        writer = open_writer(LogConfig("json-file", options), target(tmp_path))
        for _ in range(200 * MB // len(chunk)):
            writer.write("stdout", chunk)
        writer.close()

    assert peak_while(write) < 4 * MB
    files = len(os.listdir(tmp_path))
    assert files == 3 if mode == "blocking" else 1 <= files <= 3  # non-blocking may drop much of it


def test_one_huge_write_without_newline_keeps_memory_small(tmp_path):
    blob = b"x" * (64 * MB)  # made before measuring: the container's bytes are not ours

    def write() -> None:
        writer = open_writer(LogConfig("json-file", {"max-size": "10m", "max-file": "2"}), target(tmp_path))
        writer.write("stderr", blob)
        writer.write("stderr", b"\n")
        writer.close()

    assert peak_while(write) < 4 * MB
    lines = (tmp_path / "p-web-1.log").read_bytes().splitlines()
    assert all(len(line) < 16_500 for line in lines) and lines[-1].startswith(b'{"log":"\\n"')


def test_non_blocking_drops_and_counts_when_the_reader_is_stuck(tmp_path):
    fifo = tmp_path / "pipe.log"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # there, but reading nothing for now
    try:
        config = LogConfig("json-file", {"path": str(fifo), "mode": "non-blocking", "max-buffer-size": "256k"})
        writer = open_writer(config, target(tmp_path))
        total = 20_000
        for n in range(total):  # a bounded burst; a blocking producer would hang here
            writer.write("stdout", b"line %05d\n" % n)
        assert writer.dropped > 0
        closing = threading.Thread(target=writer.close, daemon=True)
        closing.start()
        received = _read_until_eof(reader)
        closing.join(30)
        assert not closing.is_alive()
    finally:
        os.close(reader)
    numbers = [int(line.split(b"line ")[1][:5]) for line in received.splitlines()]
    assert numbers == sorted(numbers) and len(numbers) + writer.dropped == total
    assert writer.write_errors == 0


def _read_until_eof(fd: int) -> bytes:
    parts = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        select.select([fd], [], [], 1)
        try:
            data = os.read(fd, 1 << 16)
        except BlockingIOError:
            continue
        if not data:
            break
        parts.append(data)
    return b"".join(parts)
