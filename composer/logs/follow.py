"""Following a rotated series as it is written, without inotify: poll, ≤ 50 ms apart.

The follower holds the live file open by descriptor. When it has read everything and
`name.log` is no longer that file (by device and inode), the file was rotated away: it
reads what is left through its descriptor, then moves to the file that came after it in
the series, found by inode too (a .gz file carries a fingerprint of its plain file), and
reads on until it is at the live file again. A compressed successor is read whole.
The same path appended to by a new writer (container recreated) is the same inode, so
nothing special happens; a file shorter than the position read was truncated
(max-file 1), and reading starts over at 0. If the file did not exist yet when following
began, everything in it is new and is read from its start.

Limits: with max-file 1, a truncation followed by more output than had been read before
the next poll goes unseen. A follower that falls max-file rotations behind loses the
files deleted meanwhile (it goes on with the oldest file left).
"""

from __future__ import annotations

import os
import time
from typing import Callable, Generator, Iterator

from composer.logs.blocks import BLOCK, LineAssembler, TailPlan, file_blocks, plan_blocks, plan_tail
from composer.logs.compress import fingerprint
from composer.logs.series import OpenFile, close_all, open_snapshot

POLL_SECONDS = 0.05
Stop = Callable[[], bool]


def follow_lines(
    path: str, stop: Stop, tail: int | None, counter: list[int], poll: float = POLL_SECONDS, terminated: bool = True
) -> Iterator[bytes | None]:
    """Blocks of whole lines: the last `tail` lines (None: all), then new ones as written.

    Yields None whenever it has caught up with the writer, so a consumer can flush.
    """
    found = _wait_for_live(path, stop, poll, counter)
    if found is None:
        return
    files, appeared_later = found
    if appeared_later:  # the file came after we started: all of it is new
        tail = None
    live = files[-1]
    plan = plan_tail(files, tail, terminated) if tail != 0 else []
    position = plan[-1][1] if plan and plan[-1][0] is live else live.size
    for block in _history([step for step in plan if step[0] is not live], files[:-1], terminated):
        if stop():
            close_all([live])
            return
        yield block
    yield from _Live(path, live, position, counter, poll, terminated).run(stop)


def _wait_for_live(path: str, stop: Stop, poll: float, counter: list[int]) -> tuple[list[OpenFile], bool] | None:
    """A snapshot whose newest file is the live one, and whether the log did not exist yet.

    Older files without the live one is a rotation between its rename and the new file.
    """
    waited = False
    while not stop():
        files = open_snapshot(path, counter)
        if files and files[-1].index == 0:
            return files, waited
        close_all(files)
        waited = waited or not files
        time.sleep(poll)
    return None


def _history(plan: TailPlan, to_close: list[OpenFile], terminated: bool) -> Iterator[bytes]:
    try:
        yield from plan_blocks(plan, terminated)
    finally:
        close_all(to_close)


class _Live:
    def __init__(
        self, path: str, opened: OpenFile, position: int, counter: list[int], poll: float, terminated: bool
    ) -> None:
        self.path = path
        self.opened = opened
        self.position = position
        self.counter = counter
        self.poll = poll
        self.terminated = terminated
        self.lines = LineAssembler()

    def run(self, stop: Stop) -> Iterator[bytes | None]:
        try:
            while not stop():
                block = self._read()
                if block is not None:
                    if block:
                        yield block
                    continue
                yield None
                if not (self._moved_on() and (yield from self._switch())):
                    time.sleep(self.poll)
        finally:
            close_all([self.opened])

    def _read(self) -> bytes | None:
        """Whole lines read now (maybe b"" while a line is incomplete); None at the end of the file."""
        chunk = b"" if self.opened.gz else self.opened.pread(BLOCK, self.position)
        if not chunk:
            return None
        self.position += len(chunk)
        return self.lines.feed(chunk)

    def _moved_on(self) -> bool:
        """Whether name.log is another file now (rotated or recreated); notices truncation."""
        if self.opened.gz:
            return True  # a compressed file is never the live one
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return False  # between a rotation's rename and the new file: look again later
        if (st.st_dev, st.st_ino) != self.opened.ident:
            return True
        if st.st_size < self.position:
            self.position = 0
            self.lines = LineAssembler()
        return False

    def _switch(self) -> Generator[bytes, None, bool]:
        """Read the rest of the old file, then go on with the one after it (False: none yet)."""
        while (block := self._read()) is not None:
            if block:
                yield block
        last = self.lines.finish()
        if last and not self.terminated:
            yield last
        following = self._successor()
        if following is None:
            return False
        close_all([self.opened])
        self.opened, self.position = following, 0
        if following.gz:  # complete already: read it whole, then look for the next one
            yield from file_blocks(following, terminated=self.terminated)
        return True

    def _successor(self) -> OpenFile | None:
        files = open_snapshot(self.path, self.counter)
        place = next((n for n, f in enumerate(files) if self._is_current(f)), None)
        # Not there: it was deleted (rotated out, or the whole log removed), and every
        # file left is newer than it, so go on with the oldest.
        newer = files[place + 1 :] if place is not None else files
        chosen = newer[0] if newer else None
        close_all([f for f in files if f is not chosen])
        return chosen

    def _is_current(self, candidate: OpenFile) -> bool:
        """The file we hold (its inode cannot be reused while we hold it), or its .gz copy."""
        if candidate.ident == self.opened.ident:
            return True
        return candidate.gz and not self.opened.gz and candidate.origin == fingerprint(self.opened.fd)
