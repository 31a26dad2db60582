"""Replace a file so readers see the old content or the new, never half (write, then rename).

The temporary name carries the process and thread id, so parallel writers in one process
never share a temporary file. Standard library only (the forwarder uses it too).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_atomically(path: str | Path, data: str | bytes) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)
