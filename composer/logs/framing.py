"""Raw stdout/stderr bytes → encoded records, with memory bounded whatever comes in.

Like Docker's copier, a line is one record, and a line of 16 KiB or more is cut into
16 KiB partial records followed by its remainder (a final record, maybe empty, that
ends it). Bytes after the last newline are held, at most 16 KiB per stream, until the
rest of their line comes. Input is handled 32 KiB at a time, so one huge write() does
not make huge temporaries. All lines framed by one feed() share one timestamp.
"""

from __future__ import annotations

from typing import Iterator

from composer.logs.codec import Codec

LINE_LIMIT = 16 * 1024
_SLICE = 32 * 1024  # measured: encoded output stays under glibc's mmap threshold, so no page faults
_HALF = LINE_LIMIT // 2


class LineFramer:
    def __init__(self, codec: Codec) -> None:
        self._codec = codec
        self._held: dict[str, bytes] = {}

    def feed(self, stream: str, data: bytes, time_ns: int) -> Iterator[bytes]:
        """Encoded records for every line `data` completes; the rest is held."""
        for start in range(0, len(data), _SLICE):
            buf = self._held.pop(stream, b"") + data[start : start + _SLICE]
            newline = buf.rfind(b"\n")
            if newline >= 0:
                yield from self._lines(buf[:newline], stream, time_ns)
                buf = buf[newline + 1 :]
            while len(buf) >= LINE_LIMIT:
                yield self._codec.encode_partial(buf[:LINE_LIMIT], stream, time_ns)
                buf = buf[LINE_LIMIT:]
            if buf:
                self._held[stream] = buf

    def flush(self, time_ns: int) -> Iterator[bytes]:
        """What is held, as partial records: the output ended without a newline."""
        held, self._held = self._held, {}
        for stream, buf in held.items():
            yield self._codec.encode_partial(buf, stream, time_ns)

    def _lines(self, body: bytes, stream: str, time_ns: int) -> Iterator[bytes]:
        if not _may_have_long_line(body):
            yield self._codec.encode_lines(body, stream, time_ns)
            return
        group: list[bytes] = []
        for line in body.split(b"\n"):
            if len(line) < LINE_LIMIT:
                group.append(line)
                continue
            if group:
                yield self._codec.encode_lines(b"\n".join(group), stream, time_ns)
                group = []
            cut = len(line) - len(line) % LINE_LIMIT
            for start in range(0, cut, LINE_LIMIT):
                yield self._codec.encode_partial(line[start : start + LINE_LIMIT], stream, time_ns)
            group.append(line[cut:])
        if group:
            yield self._codec.encode_lines(b"\n".join(group), stream, time_ns)


def _may_have_long_line(body: bytes) -> bool:
    """False when every line is shorter than LINE_LIMIT, checked without splitting.

    A run of LINE_LIMIT bytes without a newline contains a whole aligned half-limit
    window; so if each such window holds a newline, no line is that long.
    """
    if len(body) < LINE_LIMIT:
        return False
    for start in range(0, len(body) - _HALF + 1, _HALF):
        if body.find(b"\n", start, start + _HALF) < 0:
            return True
    return False
