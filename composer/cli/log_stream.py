"""Following several containers' logs at once, each line prefixed with its container.

One thread per container reads (the readers poll their files); lines go to stdout in
whole chunks under one lock, so lines of different containers never interleave.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable

from composer.cli import output
from composer.logs import LineFormatter, LogsUnavailable


def shown_name(project: str, name: str) -> str:
    """The name Compose v2 prints for a container: `web-1` for <project>-web-1; a
    container_name or a one-off (<project>-web-run-<hex>) in full."""
    short = name.removeprefix(f"{project}-")
    return short if short != name and re.fullmatch(r".+-\d+", short) else name


def prefixes(names: Iterable[str], with_prefix: bool = True, project: str = "") -> dict[str, tuple[str, str | None]]:
    """Container name → (padded "name  | " prefix, colour), colours in a stable rotation."""
    names = sorted(names)
    shown = {name: shown_name(project, name) if project else name for name in names}
    width = max((len(n) for n in shown.values()), default=0)
    return {
        name: ((f"{shown[name]:<{width}}  | " if with_prefix else ""), output.service_color(index))
        for index, name in enumerate(names)
    }


class LogStream:
    def __init__(self, timestamps: bool = False, with_prefix: bool = True, project: str = "", split: bool = False) -> None:
        self.timestamps = timestamps
        self.split = split  # stderr lines to our stderr (Compose's `up`; its `logs` prints all on stdout)
        self.with_prefix = with_prefix
        self.project = project  # names shown as Compose does (web-1), when given
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def follow(self, names: Iterable[str], reader_for: Callable[[str], object], tail: int | None = None) -> None:
        for name, (prefix, color) in prefixes(names, self.with_prefix, self.project).items():
            try:
                reader = reader_for(name)
            except LogsUnavailable as exc:
                output.warning(exc.one_line())
                continue
            thread = threading.Thread(target=self._pump, args=(reader, prefix, color, tail), daemon=True, name=f"logs-{name}")
            thread.start()
            self.threads.append(thread)

    def _pump(self, reader, prefix: str, color: str | None, tail: int | None) -> None:
        formatter = LineFormatter(prefix, color, self.timestamps)
        for record in reader.follow(self.stop_event.is_set, tail=tail):
            line = formatter.record(record.time_ns, record.text.encode("utf-8", "replace"))
            out = sys.stderr.buffer if self.split and record.stream == "stderr" else sys.stdout.buffer
            with self.lock:
                out.write(line)
                out.flush()

    def line(self, text: str) -> None:
        """A line of our own among the containers' (never inside one of theirs)."""
        with self.lock:
            sys.stdout.buffer.write(text.encode() + b"\n")
            sys.stdout.buffer.flush()

    def stop(self, drain_seconds: float = 0.3) -> None:
        """Let the readers catch up with what was written, then end them."""
        self.stop_event.wait(drain_seconds)
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=2)
