"""Lines of a log file → LogRecords: decode, filter by time, join partial pieces.

A line longer than 16 KiB was written as several partial records; readers join them
back into one LogRecord, up to JOIN_LIMIT (1 MiB): a longer line comes out as several
records of that size, so memory stays bounded. A line that is not a valid record
(a torn or foreign line) comes out as stdout text with time 0 rather than vanishing.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from composer.logs.api import LogRecord
from composer.logs.codec import Codec
from composer.logs.jsonline import Decoded

JOIN_LIMIT = 1024 * 1024


def decode_blocks(blocks: Iterable[bytes], codec: Codec) -> Iterator[Decoded]:
    for block in blocks:
        for line in block.split(b"\n")[:-1]:
            yield decode_line(line, codec)


def decode_line(line: bytes, codec: Codec) -> Decoded:
    return codec.decode(line) or (0, "stdout", line, False)


def within(decoded: Iterable[Decoded], since_ns: int | None, until_ns: int | None) -> Iterator[Decoded]:
    """Records from since_ns on, stopping at the first one after until_ns (files are in time order)."""
    for record in decoded:
        if until_ns is not None and record[0] > until_ns:
            return
        if since_ns is None or record[0] >= since_ns:
            yield record


class PartialJoiner:
    """Joins partial pieces with the record that ends them, per stream."""

    def __init__(self) -> None:
        self._pending: dict[str, tuple[int, list[bytes], int]] = {}  # stream → (time, pieces, size)

    def add(self, decoded: Decoded) -> Iterator[LogRecord]:
        time_ns, stream, text, partial = decoded
        pending = self._pending.pop(stream, None)
        if pending is None and not partial:
            yield _record(time_ns, stream, text)
            return
        first_time, pieces, size = pending or (time_ns, [], 0)
        pieces.append(text)
        size += len(text)
        if partial and size < JOIN_LIMIT:
            self._pending[stream] = (first_time, pieces, size)
        else:
            yield _record(first_time, stream, b"".join(pieces))

    def flush(self) -> Iterator[LogRecord]:
        """Pieces whose end has not come (yet): out as they are."""
        pending, self._pending = self._pending, {}
        for stream, (time_ns, pieces, _) in pending.items():
            yield _record(time_ns, stream, b"".join(pieces))


def join_all(decoded: Iterable[Decoded]) -> Iterator[LogRecord]:
    joiner = PartialJoiner()
    for record in decoded:
        yield from joiner.add(record)
    yield from joiner.flush()


def _record(time_ns: int, stream: str, text: bytes) -> LogRecord:
    return LogRecord(time_ns, stream, text.decode("utf-8", "replace"))
