"""Start a container's supervisor, detached, and wait for its word that the container runs.

The shim is started in a new session with stdio on /dev/null and forks once more, so
it outlives us and is nobody's zombie. It answers on a pipe with one JSON line:
{"ok": true, "pid": N} or {"ok": false, "error": "..."}.

The shim runs the same composer package as the caller: its parent directory is put
first on the isolated (-I -S) interpreter's path, so a checkout works as well as an install.

Supervisors are forked from one pre-loaded process per command (shim/zygote.py), started
on the first launch; when it cannot be used, a supervisor is started directly as before.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import composer
from composer.crash import crash_point
from composer.errors import RuntimeFailure
from composer.shim.config import SHIM_LOG

READY_TIMEOUT = 90.0  # runc create+start, a slow disk, a busy host
_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from composer.shim.main import main; raise SystemExit(main(sys.argv))"
)
_ZYGOTE_BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from composer.shim.zygote import serve; raise SystemExit(serve(int(sys.argv[1])))"
)


def shim_command(state_dir: Path, ready_fd: int, stdin: int | None = None) -> list[str]:
    # -S: no site-packages (and none of their .pth imports): stdlib only, ~1.7 MB less.
    extra = [] if stdin is None else [str(stdin)]
    return [sys.executable, "-I", "-S", "-c", _BOOTSTRAP, _package_parent(), str(state_dir), str(ready_fd), *extra]


def _package_parent() -> str:
    return str(Path(composer.__file__).resolve().parent.parent)


def _detached(command: list[str], pass_fds: tuple[int, ...]) -> subprocess.Popen:
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            pass_fds=pass_fds, start_new_session=True, cwd="/")


class _Zygote:
    """The client end of shim/zygote.py: started on first use, ended when we exit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._broken = False
        self._used = False

    def launch(self, state_dir: Path, write_end: int, stdin: int | None = None) -> bool:
        """Ask for a supervisor of state_dir answering on write_end (stdin, when given, is
        the container's standard input); False if the zygote is unusable."""
        control = self._control()
        if control is None:
            return False
        self._used = True
        try:
            socket.send_fds(control, [str(state_dir).encode()], [write_end] if stdin is None else [write_end, stdin])
            return True
        except OSError:
            with self._lock:
                self._broken = True
            return False

    def _control(self) -> socket.socket | None:
        with self._lock:
            if self._socket is None and not self._broken:
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC)
                try:
                    command = [sys.executable, "-I", "-S", "-c", _ZYGOTE_BOOTSTRAP, _package_parent(), str(theirs.fileno())]
                    self._process = _detached(command, (theirs.fileno(),))
                    self._socket = ours
                    atexit.register(self.close)
                except OSError:
                    ours.close()
                    self._broken = True
                finally:
                    theirs.close()
            return None if self._broken else self._socket

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()  # the zygote sees the end and exits
                self._socket = None
                if not self._used:  # started early and never asked: no need to wait for its imports
                    self._process.kill()
                self._process.wait()


_zygote = _Zygote()


def prewarm() -> None:
    """Start the zygote now rather than at the first launch, so its interpreter start and
    imports (~60 ms of CPU) overlap the caller's planning on another core."""
    _zygote._control()


def launch_shim(name: str, state_dir: Path, stdin: int | None = None) -> int:
    """Start the supervisor and wait until the container runs; returns the container's pid.
    stdin: an fd handed to the supervisor for the container's standard input."""
    read_end, write_end = os.pipe()
    try:
        if not _zygote.launch(state_dir, write_end, stdin):
            extra = () if stdin is None else (stdin,)
            _detached(shim_command(state_dir, write_end, stdin), (write_end, *extra)).wait()
        os.close(write_end)
        write_end = -1
        crash_point("start.supervisor-asked")
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
