"""Start a container's supervisor, detached, and wait for its word that the container runs.

The shim is started in a new session with stdio on /dev/null and forks once more, so
it outlives us and is nobody's zombie. It answers on a pipe with one JSON line:
{"ok": true, "pid": N} or {"ok": false, "error": "..."}.

The shim runs the same composer package as the caller: its parent directory is put
first on the isolated (-I -S) interpreter's path, so a checkout works as well as an install.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import composer
from composer.errors import RuntimeFailure
from composer.shim.config import SHIM_LOG

READY_TIMEOUT = 90.0  # runc create+start, a slow disk, a busy host
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from composer.shim.main import main; raise SystemExit(main(sys.argv))"
)


def shim_command(state_dir: Path, ready_fd: int) -> list[str]:
    package_parent = str(Path(composer.__file__).resolve().parent.parent)
    # -S: no site-packages (and none of their .pth imports): stdlib only, ~1.7 MB less.
    return [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, package_parent, str(state_dir), str(ready_fd)]


def launch_shim(name: str, state_dir: Path) -> int:
    """Start the supervisor and wait until the container runs; returns the container's pid."""
    read_end, write_end = os.pipe()
    try:
        intermediate = subprocess.Popen(
            shim_command(state_dir, write_end),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_end,),
            start_new_session=True,
            cwd="/",
        )
        os.close(write_end)
        write_end = -1
        intermediate.wait()
        answer = _read_answer(read_end, READY_TIMEOUT)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    if answer is None:
        raise RuntimeFailure(f"container {name}: its supervisor exited without a word: {_last_complaint(state_dir)}")
    if not answer.get("ok"):
        raise RuntimeFailure(f"container {name}: {answer.get('error', 'could not start')}")
    return int(answer["pid"])


def _read_answer(fd: int, timeout: float) -> dict | None:
    buffer = b""
    deadline = time.monotonic() + timeout
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return {"ok": False, "error": f"no word from its supervisor within {timeout:g}s (see {SHIM_LOG})"}
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buffer += chunk
    line = buffer.split(b"\n", 1)[0]
    return json.loads(line) if line.strip() else None


def _last_complaint(state_dir: Path) -> str:
    try:
        lines = (state_dir / SHIM_LOG).read_text().strip().splitlines()
    except OSError:
        return "no shim.log"
    return lines[-1] if lines else "shim.log is empty"
