"""The file a writer appends to, rotated like Docker's json-file.

Before each write, a file that has reached max-size is rotated: name.log.(N-2) →
name.log.(N-1) … name.log → name.log.1 (N = max-file), then a fresh name.log. With
max-file 1 the file is truncated instead. So a file ends at the first record that takes
it to max-size or beyond, never more than one record past it. The file is opened with
O_APPEND and never truncated on open: a writer for a recreated container continues the
same series where the old one stopped.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable

from composer.logs.compress import Compressor, recover
from composer.logs.errors import LogFileError
from composer.logs.series import list_series, rotated_name

_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
_MODE = 0o640
# While a compression runs the rotation waits (the file grows a little past max-size);
# past this many times max-size the writer waits for the compression instead.
_DEFER_LIMIT = 2
_IOV_MAX = 1024  # Linux's limit on the buffers of one writev
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class RotatingFile:
    """wait_for_space: called when a write finds the disk full (ENOSPC, EDQUOT), to wait
    before the same bytes are tried again (blocking mode loses nothing); without it the
    OSError goes up."""

    def __init__(self, path: str, max_size: int | None, max_file: int, compress: bool, owner: str,
                 wait_for_space: Callable[[], None] | None = None) -> None:
        self.path = path
        self._wait_for_space = wait_for_space
        self._max_size = max_size
        self._max_file = max_file
        self._compressor = Compressor() if compress else None
        try:
            self._fd = self._open()
        except OSError as error:
            raise LogFileError(
                f"cannot open log file {path} for {owner}: {error.strerror or error}",
                "check logging.options.path and its permissions",
            ) from error
        self.size = os.fstat(self._fd).st_size
        if self._compressor is not None:
            recover(path, self._compressor)

    def _open(self) -> int:
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        return os.open(self.path, _FLAGS, _MODE)

    @property
    def compress_error(self) -> str | None:
        return self._compressor.last_error if self._compressor else None

    def write(self, data: bytes) -> None:
        """Append whole records, rotating between records at max-size. OSError goes up."""
        while data:
            if self._max_size is not None and self.size >= self._max_size:
                self._rotate()
            cut = self._cut(data)
            self._write_all(data[:cut] if cut < len(data) else data)
            data = data[cut:]

    def write_many(self, chunks: list[bytes]) -> None:
        """Chunks of whole records, a writev for each _IOV_MAX of them."""
        for start in range(0, len(chunks), _IOV_MAX):
            self._write_vector(chunks[start : start + _IOV_MAX])

    def _write_vector(self, chunks: list[bytes]) -> None:
        """One writev when no rotation falls among the chunks; else one chunk at a time."""
        total = sum(len(chunk) for chunk in chunks)
        if self._max_size is not None and self.size + total > self._max_size:
            for chunk in chunks:
                self.write(chunk)
            return
        try:
            written = os.writev(self._fd, chunks)
        except OSError as error:  # nothing was written: the disk is full, or another error
            if error.errno not in _DISK_FULL or self._wait_for_space is None:
                raise
            written = 0
        self.size += written
        if written < total:  # a short write (disk nearly full): finish the rest one by one
            self._write_all(b"".join(chunks)[written:])

    def _cut(self, data: bytes) -> int:
        """How much of `data` goes into this file: up to the record that reaches max-size."""
        if self._max_size is None or self.size + len(data) <= self._max_size or self.size >= self._max_size:
            return len(data)  # (past max-size only while a rotation waits for a compression)
        end = data.find(b"\n", self._max_size - self.size - 1)
        return len(data) if end < 0 else end + 1

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except OSError as error:
                if error.errno not in _DISK_FULL or self._wait_for_space is None:
                    raise
                self._wait_for_space()  # then the very bytes not yet written, once more
                continue
            self.size += written
            view = view[written:]

    def _rotate(self) -> None:
        if self._max_file < 2:
            os.ftruncate(self._fd, 0)
            self.size = 0
            return
        compressor = self._compressor
        if compressor is not None and compressor.busy:
            if self.size < _DEFER_LIMIT * (self._max_size or 0):
                return
            compressor.wait()
        self._shift()
        fresh = self._open()  # if this fails, the old descriptor stays and the error goes up
        os.close(self._fd)
        self._fd, self.size = fresh, 0
        if compressor is not None:
            compressor.submit(rotated_name(self.path, 1))

    def _shift(self) -> None:
        """name.log.i → name.log.(i+1) from the oldest down; name.log → name.log.1."""
        last = self._max_file - 1
        for index, _ in list_series(self.path):
            if index >= last:  # also what a larger max-file left behind
                for gz in (False, True):
                    _remove(rotated_name(self.path, index, gz))
        for index in range(last - 1, 0, -1):
            for gz in (False, True):
                _rename(rotated_name(self.path, index, gz), rotated_name(self.path, index + 1, gz))
        _rename(self.path, rotated_name(self.path, 1))

    def close(self) -> None:
        if self._compressor is not None:
            self._compressor.wait()
        os.close(self._fd)


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass


def _rename(source: str, target: str) -> None:
    try:
        os.rename(source, target)
    except FileNotFoundError:
        pass
