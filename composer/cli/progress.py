"""Progress lines for up/down/start/stop: one line per resource and state, as Compose v2 prints
them when not on a terminal (`--progress plain`); `quiet` prints nothing, `json` one object a line."""

from __future__ import annotations

import json
import sys
import threading
import time


class PlainProgress:
    def __init__(self, mode: str = "plain") -> None:
        self.mode = mode
        self.lock = threading.Lock()
        self.started = time.monotonic()

    def status(self, kind: str, name: str, text: str) -> None:
        if self.mode == "quiet":
            return
        if self.mode == "json":
            line = json.dumps({"kind": kind, "name": name, "status": text, "elapsed": round(time.monotonic() - self.started, 3)})
        else:
            line = f" {kind} {name}  {text}"
        with self.lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()


def progress_for(args) -> PlainProgress:
    return PlainProgress(getattr(args, "progress", None) or "plain")
