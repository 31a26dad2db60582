"""Following several containers' logs at once, each line prefixed with its container.

One thread per container reads (the readers poll their files); lines go to stdout in
whole chunks under one lock, so lines of different containers never interleave.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable

from composer.cli import output
from composer.logs import LineFormatter, LogsUnavailable


def prefixes(names: Iterable[str], with_prefix: bool = True) -> dict[str, tuple[str, str | None]]:
    """Container name → (padded "name  | " prefix, colour), colours in a stable rotation."""
    names = sorted(names)
    width = max((len(n) for n in names), default=0)
    return {
        name: ((f"{name:<{width}}  | " if with_prefix else ""), output.service_color(index))
        for index, name in enumerate(names)
    }


class LogStream:
    def __init__(self, timestamps: bool = False, with_prefix: bool = True) -> None:
        self.timestamps = timestamps
        self.with_prefix = with_prefix
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def follow(self, names: Iterable[str], reader_for: Callable[[str], object], tail: int | None = None) -> None:
        for name, (prefix, color) in prefixes(names, self.with_prefix).items():
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
        out = sys.stdout.buffer
        for record in reader.follow(self.stop_event.is_set, tail=tail):
            line = formatter.record(record.time_ns, record.text.encode("utf-8", "replace"))
            with self.lock:
                out.write(line)
                out.flush()

    def stop(self, drain_seconds: float = 0.3) -> None:
        """Let the readers catch up with what was written, then end them."""
        self.stop_event.wait(drain_seconds)
        self.stop_event.set()
        for thread in self.threads:
            thread.join(timeout=2)
