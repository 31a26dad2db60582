"""Non-blocking mode's buffer: drops and counts whole records, never makes the producer wait."""

from __future__ import annotations

import threading

from composer.logs.ring import DrainQueue


class GatedSink:
    """A sink stuck until released, like a disk that stopped answering."""

    def __init__(self) -> None:
        self.open = threading.Event()
        self.entered = threading.Event()
        self.written: list[bytes] = []

    def __call__(self, chunks: list[bytes]) -> None:
        self.entered.set()
        assert self.open.wait(30)
        self.written.extend(chunks)


def record(n: int) -> bytes:
    return b"record %04d\n" % n  # 12 bytes


def test_a_stalled_sink_makes_drops_not_waits():
    sink = GatedSink()
    queue = DrainQueue(sink, max_bytes=120)
    queue.put(record(0))
    assert sink.entered.wait(30)  # the drain thread now holds record 0 and is stuck
    for n in range(1, 1_000):  # a bounded burst; each put returns at once or the test hangs
        queue.put(record(n))
    assert queue.dropped == 1_000 - 10  # 120 bytes: record 0 in flight plus 9 queued
    sink.open.set()
    queue.close()
    written = b"".join(sink.written)
    assert written == b"".join(record(n) for n in range(10))


def test_a_chunk_is_cut_at_a_record_boundary():
    sink = GatedSink()
    sink.open.set()
    queue = DrainQueue(sink, max_bytes=30)
    queue.put(b"".join(record(n) for n in range(5)))  # 60 bytes: two records fit
    queue.close()
    assert b"".join(sink.written) == record(0) + record(1)
    assert queue.dropped == 3


def test_everything_is_written_when_the_sink_keeps_up():
    sink = GatedSink()
    sink.open.set()
    queue = DrainQueue(sink, max_bytes=1 << 20)
    for n in range(500):
        queue.put(record(n))
    queue.close()
    assert queue.dropped == 0 and b"".join(sink.written) == b"".join(record(n) for n in range(500))
