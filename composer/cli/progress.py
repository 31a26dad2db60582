"""Progress of up/down/start/stop…: `--progress plain` prints one line per resource and state,
as Compose v2 does when not on a terminal; `quiet` prints nothing; `json` one object a line;
`tty` (the default on a terminal) is the live block of composer.cli.live_progress.

open_progress(args) is the one to use: a context manager that ends the live block (final
redraw, cursor below it) before anything else is printed. progress_for(args) is for callers
that never close their reporter, and so never get the live block.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import TextIO


class PlainProgress:
    def __init__(self, mode: str = "plain", stream: TextIO | None = None) -> None:
        self.mode = mode
        self.stream = stream
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def status(self, kind: str, name: str, text: str) -> None:
        if self.mode == "quiet":
            return
        if self.mode == "json":
            line = json.dumps({"kind": kind, "name": name, "status": text, "elapsed": round(time.monotonic() - self.started, 3)})
        else:
            line = f" {kind} {name}  {text}"
        stream = self.stream or sys.stderr
        with self.lock:
            stream.write(line + "\n")
            stream.flush()


def progress_for(args) -> PlainProgress:
    """A reporter that needs no closing: the live block is left to open_progress()."""
    mode = getattr(args, "progress", None) or "plain"
    return PlainProgress("plain" if mode == "tty" else mode)


def choose_mode(requested: str | None, ansi: str | None, stream: TextIO) -> str:
    """--progress wins; otherwise the live block only on a capable terminal."""
    if requested:
        return requested
    if ansi == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM", "dumb") == "dumb":
        return "plain"
    try:
        return "tty" if stream.isatty() else "plain"
    except (AttributeError, ValueError):
        return "plain"


@contextlib.contextmanager
def open_progress(args, title: str = "Running", stream: TextIO | None = None) -> Iterator[object]:
    """The reporter --progress (or the terminal) asks for, live until the block ends; while it is
    live, output.error()/warning() lines are drawn above the block instead of through it."""
    from composer.cli import output
    from composer.cli.live_progress import LiveProgress

    stream = stream or sys.stderr
    ansi = getattr(args, "ansi", None)
    mode = choose_mode(getattr(args, "progress", None), ansi, stream)
    if mode != "tty":
        yield PlainProgress(mode, stream)
        return
    color = ansi != "never" and not os.environ.get("NO_COLOR")
    live = LiveProgress(stream, title=title, color=color)
    previous = output.divert_stderr(live.print_above)
    try:
        with live:
            yield live
    finally:
        output.divert_stderr(previous)
