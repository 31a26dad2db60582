"""LogReader for the file drivers: read (tail, since, until) and follow a rotated series.

`bytes_read` counts every byte read from disk (compressed bytes for .gz files), so
tests and benchmarks can see that a tail did not read the whole series.
"""

from __future__ import annotations

from collections import deque
from typing import Callable, Iterator

from composer.logs.api import LogRecord
from composer.logs.blocks import plan_blocks, plan_tail, tail_offset
from composer.logs.codec import Codec
from composer.logs.errors import LogsUnavailable
from composer.logs.follow import POLL_SECONDS, follow_lines
from composer.logs.records import PartialJoiner, decode_blocks, decode_line, join_all, within
from composer.logs.series import OpenFile, close_all, open_snapshot


class FileLogReader:
    def __init__(self, path: str, codec: Codec, owner: str, poll: float = POLL_SECONDS) -> None:
        self.path = path
        self.codec = codec
        self.owner = owner
        self.poll = poll
        self._counter = [0]

    @property
    def bytes_read(self) -> int:
        return self._counter[0]

    def read(
        self, tail: int | None = None, since_ns: int | None = None, until_ns: int | None = None
    ) -> Iterator[LogRecord]:
        """Records of the whole series, oldest first; `tail` keeps the last N."""
        self._check_times(since_ns, until_ns)  # now, not at the first next()
        return self._read(tail, since_ns, until_ns)

    def _read(self, tail: int | None, since_ns: int | None, until_ns: int | None) -> Iterator[LogRecord]:
        if tail is not None and tail <= 0:
            return
        files = open_snapshot(self.path, self._counter)
        try:
            if since_ns is None and until_ns is None:
                yield from join_all(decode_blocks(self._blocks(files, tail), self.codec))
                return
            recent = _from_since(files, since_ns, self.codec)
            decoded = within(decode_blocks(self._blocks(recent, None), self.codec), since_ns, until_ns)
            records = join_all(decoded)
            yield from (records if tail is None else deque(records, maxlen=tail))
        finally:
            close_all(files)

    def raw_blocks(self, tail: int | None = None) -> Iterator[bytes]:
        """The file's own bytes, in big blocks of whole lines, for the fast printer."""
        if tail is not None and tail <= 0:
            return
        files = open_snapshot(self.path, self._counter)
        try:
            yield from self._blocks(files, tail)
        finally:
            close_all(files)

    def follow(self, stop: Callable[[], bool], tail: int | None = 0) -> Iterator[LogRecord]:
        """The last `tail` records (0: none, None: all), then records as they are written,
        across rotations and writer restarts, until stop() is true."""
        joiner = PartialJoiner()
        for block in follow_lines(self.path, stop, tail, self._counter, self.poll, self.codec.terminated):
            if block is None:  # caught up: show pieces of a line still being written
                yield from joiner.flush()
                continue
            for line in block.split(b"\n")[:-1]:
                yield from joiner.add(decode_line(line, self.codec))
        yield from joiner.flush()

    def _blocks(self, files: list[OpenFile], tail: int | None) -> Iterator[bytes]:
        return plan_blocks(plan_tail(files, tail, self.codec.terminated), self.codec.terminated)

    def _check_times(self, since_ns: int | None, until_ns: int | None) -> None:
        if (since_ns is not None or until_ns is not None) and not self.codec.keeps_time:
            raise LogsUnavailable(
                f"{self.owner}: the {self.codec.name} logging driver keeps no times, so --since/--until cannot apply",
                "use the json-file driver for that",
            )


def _from_since(files: list[OpenFile], since_ns: int | None, codec: Codec) -> list[OpenFile]:
    """Leave out the oldest plain files whose last record is older than since_ns."""
    if since_ns is None:
        return files
    for position, opened in enumerate(files[:-1]):
        if opened.gz or _last_time(opened, codec) >= since_ns:
            return files[position:]
    return files[-1:]


def _last_time(opened: OpenFile, codec: Codec) -> int:
    offset, found = tail_offset(opened, 1, codec.terminated)
    if not found:
        return 0
    line = opened.pread(opened.size - offset, offset).split(b"\n", 1)[0]
    return decode_line(line, codec)[0]
