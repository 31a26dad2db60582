"""The only module that prints. Colours (colorama) only where a terminal or --ansi asks."""

from __future__ import annotations

import json
import os
import sys
from typing import Any, Callable

_use_color = False
_stderr_sink: Callable[[str], None] | None = None  # set while a live progress block is drawn

# Compose v2's rotation of service colours, bright first.
SERVICE_COLORS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")


def configure(ansi: str = "auto") -> None:
    global _use_color
    if ansi == "always":
        _use_color = True
    elif ansi == "never" or os.environ.get("NO_COLOR"):
        _use_color = False
    else:
        _use_color = sys.stdout.isatty()
    if _use_color and os.name == "nt":  # pragma: no cover - Linux tool; kept for completeness
        import colorama

        colorama.just_fix_windows_console()


def colored(text: str, code: str) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if _use_color else text


def service_color(index: int) -> str | None:
    return SERVICE_COLORS[index % len(SERVICE_COLORS)] if _use_color else None


def line(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def write(text: str) -> None:
    sys.stdout.write(text)


def json_line(value: Any) -> None:
    sys.stdout.write(json.dumps(value, separators=(",", ":")) + "\n")


def divert_stderr(sink: Callable[[str], None] | None) -> Callable[[str], None] | None:
    """Send warning()/error() lines to `sink` (None: to stderr again); returns the previous sink."""
    global _stderr_sink
    previous, _stderr_sink = _stderr_sink, sink
    return previous


def _to_stderr(text: str) -> None:
    if _stderr_sink is not None:
        _stderr_sink(text)
    else:
        sys.stderr.write(text)


def warning(text: str) -> None:
    _to_stderr((colored("warning: ", "33") if _use_color else "warning: ") + text + "\n")


def failure(text: str) -> None:
    """A line another tool's users know word for word (Compose v2's errors): no prefix."""
    _to_stderr(text + "\n")


def error(text: str) -> None:
    _to_stderr((colored("error: ", "31") if _use_color else "error: ") + text + "\n")
