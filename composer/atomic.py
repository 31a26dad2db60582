"""Replace a file so readers see the old content or the new, never half (write, then rename).

The temporary name carries the process *and thread* id: `up` rewrites shared files (hosts,
targets, records) from parallel service tasks, and a pid-only name let two threads
clobber each other's temporary file. Standard library only (supervisors use it too).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


def write_atomically(path: str | Path, data: str | bytes, mode: int | None = None, durable: bool = False, owner: tuple[int, int] | None = None) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    if owner is not None:
        os.chown(tmp, *owner)  # before chmod: chown clears set-id bits
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)


def write_json_atomically(path: str | Path, data: Any, **dump_options: Any) -> None:
    write_atomically(path, json.dumps(data, **dump_options) + "\n")
