"""LogWriter implementations: file drivers (json-file, file) and none.

write() frames and encodes in the caller's thread (cheap, block-at-a-time), then either
writes to the rotating file (blocking mode) or queues for the drain thread
(non-blocking). A full disk never raises into the supervisor: the records are counted
in write_errors and the error kept in last_error.
"""

from __future__ import annotations

import threading
import time

from composer.logs.codec import Codec
from composer.logs.framing import LineFramer
from composer.logs.options import LogOptions
from composer.logs.ring import DrainQueue
from composer.logs.rotation import RotatingFile

STREAMS = ("stdout", "stderr")
SPACE_RETRY_FIRST, SPACE_RETRY_CAP = 0.05, 1.0  # seconds between tries on a full disk


class FileLogWriter:
    def __init__(self, path: str, codec: Codec, options: LogOptions, owner: str) -> None:
        # Blocking mode waits out a full disk (the container then blocks on its full pipe,
        # as under Docker); non-blocking mode counts the records lost and goes on.
        wait = None if options.non_blocking else self._wait_for_space
        self._file = RotatingFile(path, options.max_size, options.max_file, options.compress, owner, wait)
        self._space_delay = SPACE_RETRY_FIRST
        self._framer = LineFramer(codec)
        self._lock = threading.Lock()
        self._queue = DrainQueue(self._write_queued, options.max_buffer_size) if options.non_blocking else None
        self._closed = False
        self.write_errors = 0  # records lost to OS errors (disk full, …)
        self.last_error: str | None = None

    @property
    def path(self) -> str:
        return self._file.path

    @property
    def dropped(self) -> int:
        """Records lost: to a full buffer (non-blocking mode) or to write errors."""
        return (self._queue.dropped if self._queue is not None else 0) + self.write_errors

    def _wait_for_space(self) -> None:
        self.last_error = f"writing {self.path}: no space left on the device; waiting for space"
        time.sleep(self._space_delay)
        self._space_delay = min(self._space_delay * 2, SPACE_RETRY_CAP)

    def write(self, stream: str, data: bytes) -> None:
        if stream not in STREAMS:
            raise ValueError(f"stream must be stdout or stderr, not {stream!r}")
        with self._lock:
            if self._closed:
                raise ValueError(f"log writer for {self.path} is closed")
            now = time.time_ns()  # taken under the lock so times never go backwards in the file
            for chunk in self._framer.feed(stream, data, now):
                self._emit(chunk)

    def close(self) -> None:
        """Write held partial lines, let the drain thread finish, close the file."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for chunk in self._framer.flush(time.time_ns()):
                self._emit(chunk)
        if self._queue is not None:
            self._queue.close()
        self._file.close()
        self.last_error = self.last_error or self._file.compress_error

    def _emit(self, chunk: bytes) -> None:
        if self._queue is not None:
            self._queue.put(chunk)
        else:
            self._write_queued([chunk])

    def _write_queued(self, chunks: list[bytes]) -> None:
        try:
            self._file.write_many(chunks)
            if self._space_delay != SPACE_RETRY_FIRST:  # space came back
                self._space_delay, self.last_error = SPACE_RETRY_FIRST, None
        except OSError as error:
            self.write_errors += sum(chunk.count(b"\n") or 1 for chunk in chunks)
            self.last_error = f"writing {self.path}: {error.strerror or error}"


class NullWriter:
    """`none`: output is read (so the container never blocks on a full pipe) and discarded."""

    dropped = 0

    def write(self, stream: str, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass
