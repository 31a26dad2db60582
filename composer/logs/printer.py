r"""`compose logs` output: each line as "<prefix><text>", fast enough for millions of lines.

The bulk path runs no Python code per line. In a 64 KiB block of json-file lines

    {"log":"TEXT\n","stream":"stdout","time":"T"}⏎{"log":"TEXT\n",…

one bytes.replace turns each line boundary `"}⏎{"log":"` into the marker that ends a
TEXT, `\n","stream` (as long, so the replace is a copy), one bytes.split cuts at the
markers, and every other piece is a TEXT, joined with "⏎" + prefix. Why that is safe: a
log string holds no unescaped quote, so the marker cannot occur inside one, and a line
holds at most one marker. Twice as many pieces as lines then means one marker in every
line and a boundary at every newline; the piece after a marker starts with `":"`, so if
no TEXT holds a quote, each runs from the start of a log string to its end. (Only a
line with two keys starting "stream", which no writer makes, could fool this.)
Escapes, if any, are undone for the whole block by one json.loads. Any other block
(partial records, torn lines, other key orders) goes line by line, and so does a prefix
with a quote, backslash or newline in it. 64 KiB blocks stay in the CPU cache.
"""

from __future__ import annotations

import json
from typing import BinaryIO, Iterable, Iterator

from composer.logs.api import LogReader, LogRecord
from composer.logs.codec import Codec
from composer.logs.jsonline import HEAD, fixed_time, parse_time
from composer.logs.reader import FileLogReader
from composer.logs.records import decode_line

_TEXT_END = b'\\n","stream'  # ends the TEXT of every whole line
_LINE_JOIN = b'"}\n{"log":"'  # ends one line and starts the next one's TEXT; as long as _TEXT_END
_TIME_KEY = b'","time":"'
_FLUSH_BYTES = 1024 * 1024
_PLAIN_PREFIX = frozenset(range(256)) - set(b'"\\\n')  # a prefix with these goes line by line


class LineFormatter:
    """Prefix (coloured or not) and optional time before each line; remembers an open partial line."""

    def __init__(self, prefix: str = "", color: str | None = None, timestamps: bool = False) -> None:
        label = prefix.encode()
        self.prefix = b"\x1b[" + color.encode() + b"m" + label + b"\x1b[0m" if color and label else label
        self.timestamps = timestamps
        self.continuing = False  # the last record was a piece: the next one goes on the same line

    def record(self, time_ns: int, text: bytes, partial: bool = False) -> bytes:
        head = b""
        if not self.continuing:
            head = self.prefix + (fixed_time(time_ns) + b" " if self.timestamps and time_ns else b"")
        self.continuing = partial
        return head + text + (b"" if partial else b"\n")

    def block(self, block: bytes, codec: Codec) -> bytes:
        """Output for a block of whole lines of a log file."""
        if codec.keeps_time:
            fast = None if self.continuing else _json_block(block, self.prefix, self.timestamps)
            return fast if fast is not None else self._per_line(block, codec)
        if not self.prefix:
            return block
        return self.prefix + block[:-1].replace(b"\n", b"\n" + self.prefix) + b"\n"

    def end(self) -> bytes:
        """A newline if the output stopped inside a line."""
        ended, self.continuing = self.continuing, False
        return b"\n" if ended else b""

    def _per_line(self, block: bytes, codec: Codec) -> bytes:
        out = []
        for line in block.split(b"\n")[:-1]:
            time_ns, _, text, partial = decode_line(line, codec)
            out.append(self.record(time_ns, text, partial))
        return b"".join(out)


def _json_block(block: bytes, prefix: bytes, timestamps: bool) -> bytes | None:
    """The bulk path; None when the block is not all plain whole-line records."""
    if not block.startswith(HEAD) or not block.endswith(b'"}\n') or not _PLAIN_PREFIX.issuperset(prefix):
        return None
    lines = block.count(b"\n")
    pieces = block.replace(_LINE_JOIN, _TEXT_END).split(_TEXT_END)
    if len(pieces) != 2 * lines:
        return None
    texts = pieces[0::2]
    texts[0] = texts[0][len(HEAD) :]
    if timestamps:
        return _stamped(texts, pieces[1::2], prefix)
    del pieces
    separator = b"\n" + prefix
    body = separator.join(texts)
    if b"\\" in body or b'"' in body:
        unescaped = _unescape_block(b"\n".join(texts))
        if unescaped is None:
            return None
        body = unescaped.replace(b"\n", separator) if prefix else unescaped
    return prefix + body + b"\n"


def _stamped(texts: list[bytes], between: list[bytes], prefix: bytes) -> bytes | None:
    """Lines with their time: one list comprehension, no decoding. Escapes: line by line."""
    body = b"\n".join(texts)
    if b"\\" in body or b'"' in body:
        return None
    between[-1] = between[-1][:-3]  # the last line's '"}\n'
    # `":"stdout","time":"` is 19 bytes; a full nine-digit time makes the piece 49.
    stamps = [piece[19:] if len(piece) == 49 and piece[9:19] == _TIME_KEY else _stamp(piece) for piece in between]
    if None in stamps:
        return None
    lines = zip(stamps, texts)
    return b"".join([prefix + stamp + b" " + text + b"\n" for stamp, text in lines])  # type: ignore[operator]


def _stamp(piece: bytes) -> bytes | None:
    """The time as `docker logs -t` prints it, all nine digits, from `":"stdout","time":"T`."""
    at = piece.rfind(b'"time":"')
    time_ns = parse_time(piece[at + 8 :]) if at >= 0 else None
    return fixed_time(time_ns) if time_ns else None


def _unescape_block(body: bytes) -> bytes | None:
    """All escapes of a block at once; raw newlines (the separators) pass with strict=False."""
    if b"\\\n" in body or body.endswith(b"\\"):
        return None  # a TEXT ending in a backslash: the marker may have cut into an escape
    try:
        text = json.loads(b'"' + body + b'"', strict=False)
    except ValueError:
        return None
    return text.encode("utf-8", "replace")


def write_logs(
    out: BinaryIO,
    reader: LogReader,
    prefix: str = "",
    color: str | None = None,
    timestamps: bool = False,
    tail: int | None = None,
    since_ns: int | None = None,
    until_ns: int | None = None,
) -> None:
    """Print one container's log, oldest first, each line prefixed: what `compose logs` does."""
    formatter = LineFormatter(prefix, color, timestamps)
    if isinstance(reader, FileLogReader) and since_ns is None and until_ns is None:
        for block in reader.raw_blocks(tail):
            out.write(formatter.block(block, reader.codec))
    else:
        _write_records(out, formatter, reader.read(tail, since_ns, until_ns))
    out.write(formatter.end())


def _write_records(out: BinaryIO, formatter: LineFormatter, records: Iterable[LogRecord]) -> None:
    pending: list[bytes] = []
    size = 0
    for item in records:
        line = formatter.record(item.time_ns, item.text.encode("utf-8", "replace"))
        pending.append(line)
        size += len(line)
        if size >= _FLUSH_BYTES:
            out.write(b"".join(pending))
            pending, size = [], 0
    out.write(b"".join(pending))


def format_records(
    records: Iterable[LogRecord], prefix: str = "", color: str | None = None, timestamps: bool = False
) -> Iterator[str]:
    """One output line (with its newline) per record, e.g. for `logs --follow`."""
    formatter = LineFormatter(prefix, color, timestamps)
    for item in records:
        yield formatter.record(item.time_ns, item.text.encode("utf-8", "replace")).decode("utf-8", "replace")

