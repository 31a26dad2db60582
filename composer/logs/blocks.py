"""Reading a snapshot in big blocks of whole lines, and finding where the last N lines start.

Tail reads plain files backwards from their end, 64 KiB at a time, and stops as soon
as it has counted N lines: a tail of a big series reads a few blocks, not the series.
A .gz file cannot be read backwards; it is decompressed (streaming, bounded memory)
once to count its lines and again from the line where the tail starts.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from composer.logs.series import OpenFile

BLOCK = 64 * 1024  # measured: larger blocks fall out of the CPU cache and print slower
MAX_LINE = 1024 * 1024  # a "line" this long without a newline is cut here when read

TailPlan = list[tuple[OpenFile, int, int]]  # (file, byte offset, lines to skip), oldest first


class LineAssembler:
    """Raw chunks in, blocks of whole lines (each ending in "\\n") out."""

    def __init__(self) -> None:
        self.carry = b""

    def feed(self, chunk: bytes) -> bytes:
        data = self.carry + chunk if self.carry else chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0 and len(data) >= MAX_LINE:
            self.carry = b""
            return data + b"\n"
        self.carry = data[cut:]
        return data[:cut] if cut < len(data) else data

    def finish(self) -> bytes:
        """The last line of a file that ends without a newline, given one."""
        carry, self.carry = self.carry, b""
        return carry + b"\n" if carry else b""


def file_blocks(opened: OpenFile, offset: int = 0, skip_lines: int = 0, terminated: bool = True) -> Iterator[bytes]:
    """Blocks of whole lines of one file, from `offset` (plain) or after `skip_lines` (gz).

    If `terminated` (every record ends in a newline), an unterminated end is a write in
    progress (or torn by a crash) and is left out; otherwise it is a line of its own.
    """
    if not opened.gz:
        yield from _plain_blocks(opened, offset, terminated)
        return
    chunks: Iterable[bytes] = _gz_chunks(opened)
    if skip_lines:
        chunks = _skip_lines(chunks, skip_lines)
    lines = LineAssembler()
    for chunk in chunks:
        block = lines.feed(chunk)
        if block:
            yield block
    last = lines.finish()
    if last and not terminated:
        yield last


def plan_blocks(plan: TailPlan, terminated: bool = True) -> Iterator[bytes]:
    for opened, offset, skip in plan:
        yield from file_blocks(opened, offset, skip, terminated)


def _plain_blocks(opened: OpenFile, offset: int, terminated: bool) -> Iterator[bytes]:
    """Reads that end at a newline: the bytes after the last one are read again next time
    (from the page cache) rather than copied into the next block."""
    while chunk := opened.pread(BLOCK, offset):
        cut = chunk.rfind(b"\n") + 1
        if cut == 0 and len(chunk) < BLOCK:  # the end of the file, without a newline
            if not terminated:
                yield chunk + b"\n"
            return
        if cut == 0:
            chunk, cut = _long_line(opened, offset)
        offset += cut
        yield chunk if cut == len(chunk) else chunk[:cut]


def _long_line(opened: OpenFile, offset: int) -> tuple[bytes, int]:
    """(a line longer than BLOCK, cut at MAX_LINE, ending in a newline; bytes it used)."""
    parts: list[bytes] = []
    size = 0
    while size < MAX_LINE and (chunk := opened.pread(BLOCK, offset + size)):
        newline = chunk.find(b"\n")
        if newline >= 0:
            parts.append(chunk[: newline + 1])
            return b"".join(parts), size + newline + 1
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts) + b"\n", size


def _gz_chunks(opened: OpenFile) -> Iterator[bytes]:
    with opened.stream() as stream:
        while chunk := stream.read(BLOCK):
            yield chunk


def _skip_lines(chunks: Iterable[bytes], count: int) -> Iterator[bytes]:
    for chunk in chunks:
        if count:
            newlines = chunk.count(b"\n")
            if newlines < count:
                count -= newlines
                continue
            cut = -1
            for _ in range(count):
                cut = chunk.find(b"\n", cut + 1)
            count = 0
            chunk = chunk[cut + 1 :]
        yield chunk


def plan_tail(files: list[OpenFile], wanted: int | None, terminated: bool = True) -> TailPlan:
    """Where to start reading so that exactly the last `wanted` lines come out (all: None)."""
    if wanted is None:
        return [(opened, 0, 0) for opened in files]
    plan: TailPlan = []
    for opened in reversed(files):
        if wanted <= 0:
            break
        if opened.gz:
            total = gz_line_count(opened)
            skip = max(total - wanted, 0)
            plan.append((opened, 0, skip))
            wanted -= total - skip
        else:
            offset, found = tail_offset(opened, wanted, terminated)
            plan.append((opened, offset, 0))
            wanted -= found
    return plan[::-1]


def tail_offset(opened: OpenFile, wanted: int, terminated: bool = True) -> tuple[int, int]:
    """(offset where the last `wanted` lines of a plain file start, how many lines that is).

    An unterminated end counts as a line unless `terminated` (then it is a write in
    progress, which the reading leaves out).
    """
    size = opened.size
    if wanted <= 0 or size == 0:
        return size, 0
    if opened.pread(1, size - 1) == b"\n":
        return _lines_back(opened, size - 1, wanted)  # the final newline ends the last line
    if not terminated:
        return _lines_back(opened, size, wanted)
    offset, found = _lines_back(opened, size, wanted + 1)
    return offset, max(found - 1, 0)


def _lines_back(opened: OpenFile, position: int, wanted: int) -> tuple[int, int]:
    """Count newlines back from `position`, a block at a time; each one starts a line after it."""
    found = 0
    while position > 0:
        start = max(position - BLOCK, 0)
        block = opened.pread(position - start, start)
        newlines = block.count(b"\n")
        if found + newlines >= wanted:
            cut = len(block)
            for _ in range(wanted - found):
                cut = block.rfind(b"\n", 0, cut)
            return start + cut + 1, wanted
        found += newlines
        position = start
    return 0, found + 1


def gz_line_count(opened: OpenFile) -> int:
    count = 0
    last = b"\n"
    for chunk in _gz_chunks(opened):
        count += chunk.count(b"\n")
        last = chunk[-1:]
    return count + (last != b"\n")
