"""The live progress block Compose v2 draws on a terminal: a header (`[+] Running 3/5`) and one
line per resource (spinner while in progress, ✔ done, ✘ failed, its state, elapsed seconds on
the right), redrawn in place ~10 times a second by a small thread, and once more when closed.

The engine reports only status(kind, name, text); whether a line is done is read from the
first word of its text (Created, Started, Removed… = done; Error…, Skipped… = failed).
Pure layout (frame_lines) is kept apart from the terminal writing (LiveProgress).
"""

from __future__ import annotations

import enum
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
DONE_WORDS = frozenset({
    "Created", "Started", "Healthy", "Running", "Removed", "Stopped", "Exited", "Pulled", "Built",
    "Killed", "Restarted", "Paused", "Unpaused", "Published", "Recreated", "Loaded", "Deleted",
})
ERROR_WORDS = frozenset({"Error", "Failed", "Skipped", "Unhealthy"})
WARNING_WORDS = frozenset({"Warning", "Orphan"})


class Phase(enum.Enum):
    WORKING = "working"
    DONE = "done"
    FAILED = "failed"
    WARNING = "warning"  # nothing pending, but worth a look: counted as done


def phase_of(text: str) -> Phase:
    words = text.split()
    first = words[0].rstrip(":,") if words else ""
    if first in ERROR_WORDS or "failed" in text.lower():
        return Phase.FAILED
    if first in WARNING_WORDS:
        return Phase.WARNING
    return Phase.DONE if first in DONE_WORDS else Phase.WORKING


@dataclass
class Row:
    kind: str
    name: str
    text: str
    phase: Phase
    started: float  # when its work began: its first in-progress report, else when the block began
    ended: float | None  # when it stopped being in progress (None: still working)

    def elapsed(self, now: float) -> float:
        return (self.ended if self.ended is not None else now) - self.started


MARKS = {Phase.DONE: ("✔", "32"), Phase.FAILED: ("✘", "31"), Phase.WARNING: ("!", "33")}


def row_line(row: Row, label_width: int, now: float, width: int, color: bool) -> str:
    """` ✔ Container web-1  Started        0.4s`, the time right-aligned at `width`, cut to fit."""
    mark, code = MARKS.get(row.phase, (SPINNER[int(now * 10) % len(SPINNER)], "34"))
    label = f"{row.kind} {row.name}".ljust(label_width)
    timer = f"{row.elapsed(now):.1f}s"
    left = f" {mark} {label}  {row.text}"
    room = width - len(timer) - 1
    if room < len(left):
        left = left[: max(room - 1, 0)] + "…" if room > 4 else ""
    plain = left.ljust(max(room, 0)) + " " + timer
    if len(plain) > width:
        return plain[:width]
    if not color or not left:
        return plain
    return f"{plain[0]}\x1b[{code}m{mark}\x1b[0m{plain[2:]}"


def frame_lines(title: str, rows: list[Row], now: float, width: int, height: int, color: bool, final: bool) -> list[str]:
    """The whole block: header then rows; while live, only as many lines as fit above the
    cursor's line (done rows hidden first): the cursor cannot move up past the screen's top."""
    settled = sum(1 for r in rows if r.phase in (Phase.DONE, Phase.WARNING))
    header = f"[+] {title} {settled}/{len(rows)}"
    room = height - 1  # the last line holds the cursor
    shown, hidden = (rows, 0) if final or 1 + len(rows) <= room else _fitting(rows, max(room - 2, 1))
    label_width = max((len(r.kind) + 1 + len(r.name) for r in rows), default=0)  # steady while rows hide
    lines = [header[:width]] + [row_line(r, label_width, now, width, color) for r in shown]
    if hidden:
        lines.append(f"   … {hidden} more"[:width])
    return lines


def _fitting(rows: list[Row], budget: int) -> tuple[list[Row], int]:
    """At most `budget` rows, the oldest done ones left out first; and how many were."""
    excess = len(rows) - budget
    kept, dropped = [], 0
    for row in rows:
        if dropped < excess and row.phase in (Phase.DONE, Phase.WARNING):
            dropped += 1
            continue
        kept.append(row)
    if len(kept) > budget:  # more in progress than fits: the newest ones
        dropped += len(kept) - budget
        kept = kept[-budget:]
    return kept, dropped


def terminal_size(stream: TextIO) -> tuple[int, int]:
    try:
        size = os.get_terminal_size(stream.fileno())
        return size.columns or 80, size.lines or 24
    except (OSError, ValueError, AttributeError):
        return 80, 24


class LiveProgress:
    """A reporter (status(kind, name, text)) that draws the block on `stream`; use it as a
    context manager, or call start() and close(). Lines of text that must appear while it is
    live (errors, warnings) go through print_above(), never straight to the stream."""

    def __init__(self, stream: TextIO | None = None, title: str = "Running", color: bool = True,
                 clock: Callable[[], float] = time.monotonic, size: Callable[[], tuple[int, int]] | None = None,
                 interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.title, self.color, self.clock, self.interval = title, color, clock, interval
        self.size = size or (lambda: terminal_size(self.stream))
        self.began = clock()
        self.rows: dict[tuple[str, str], Row] = {}
        self.lock = threading.RLock()  # one writer at a time: redraws never tear a line
        self.drawn = 0  # lines of the last frame, still on screen above the cursor
        self.closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def status(self, kind: str, name: str, text: str) -> None:
        now, phase = self.clock(), phase_of(text)
        with self.lock:
            row = self.rows.get((kind, name))
            if row is None:
                start = now if phase is Phase.WORKING else self.began
                self.rows[(kind, name)] = Row(kind, name, text, phase, start, None if phase is Phase.WORKING else now)
                return
            if phase is not Phase.WORKING:
                row.ended = now
            elif row.ended is not None:  # a new step of a resource that was done: its clock restarts
                row.started, row.ended = now, None
            row.text, row.phase = text, phase

    def redraw(self, final: bool = False) -> None:
        with self.lock:
            if self.closed or not self.rows:
                return
            width, height = self.size()
            self._write_frame(frame_lines(self.title, list(self.rows.values()), self.clock(), width, height, self.color, final))

    def _write_frame(self, lines: list[str]) -> None:
        up = f"\x1b[{self.drawn}A" if self.drawn else ""
        body = "".join(f"\r{line}\x1b[K\n" for line in lines)
        self.stream.write(up + body + "\x1b[J")  # erase what a longer previous frame left below
        self.stream.flush()
        self.drawn = len(lines)

    def print_above(self, text: str) -> None:
        """Write `text` (ending in a newline) where the block was, then draw the block below it."""
        with self.lock:
            if self.closed or not self.drawn:
                self.stream.write(text)
                self.stream.flush()
                return
            self.stream.write(f"\x1b[{self.drawn}A\r\x1b[J" + text)
            self.drawn = 0
        self.redraw()

    def start(self) -> LiveProgress:
        self.stream.write("\x1b[?25l")  # hide the cursor while it jumps about
        self._thread = threading.Thread(target=self._run, name="live-progress", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.redraw()

    def close(self) -> None:
        """Stop the thread, draw every line one last time, leave the cursor below the block."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        with self.lock:
            if self.closed:
                return
            self.redraw(final=True)
            self.stream.write("\x1b[?25h")
            self.stream.flush()
            self.closed = True

    def __enter__(self) -> LiveProgress:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
