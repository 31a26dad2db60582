"""Non-blocking mode: a bounded buffer the producer fills and one thread drains.

put() never waits for the disk. What does not fit in max-buffer-size is dropped, whole
records at a time, and counted. Bytes count against the limit until they are written,
so memory stays bounded by max-buffer-size even while the sink is stuck.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Callable


class DrainQueue:
    def __init__(self, sink: Callable[[list[bytes]], None], max_bytes: int) -> None:
        self._sink = sink
        self._max_bytes = max_bytes
        self._items: deque[bytes] = deque()
        self._pending = 0  # queued or being written
        self._cond = threading.Condition()
        self._closing = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, name="log-drain", daemon=True)
        self._thread.start()

    def put(self, chunk: bytes) -> None:
        """Queue whole records of `chunk` while they fit; drop and count the rest."""
        with self._cond:
            room = max(self._max_bytes - self._pending, 0)
            if len(chunk) > room:
                keep = chunk.rfind(b"\n", 0, room) + 1
                self.dropped += _records(chunk, keep)
                chunk = chunk[:keep]
            if chunk:
                self._items.append(chunk)
                self._pending += len(chunk)
                self._cond.notify()

    def _drain(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._closing:
                    self._cond.wait()
                if not self._items:
                    return
                chunks = list(self._items)
                self._items.clear()
            # All that is queued in one go (one writev): this thread gets the GIL only now and then.
            size = sum(len(chunk) for chunk in chunks)
            try:
                self._sink(chunks)
            finally:
                del chunks
                with self._cond:
                    self._pending -= size

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        self._thread.join()


def _records(chunk: bytes, start: int) -> int:
    """Records in chunk[start:]: its newlines, or 1 for a lone piece without one."""
    return chunk.count(b"\n", start) or int(start < len(chunk))
