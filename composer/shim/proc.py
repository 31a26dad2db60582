"""Process plumbing for the shim: spawn without subprocess, subreaper, exit statuses.

The shim reaps every child itself (waitpid(-1)), which is why it cannot use the
subprocess module: Popen would race it for exit statuses.
"""

from __future__ import annotations

import ctypes
import os
import select
import signal
import time

PR_SET_CHILD_SUBREAPER = 36
# Python ignores SIGPIPE (and SIGXFSZ); an ignored signal stays ignored across exec,
# so reset them for runc and, through it, for the container.
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGXFSZ)


def become_subreaper() -> None:
    """Orphans below us (the container's init, once `runc create` exits) become our children."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")


def spawn(argv: list[str], stdin: int, stdout: int, stderr: int) -> int:
    """Start argv with the given fds as its stdio, in our cwd; our other fds are close-on-exec."""
    actions = [
        (os.POSIX_SPAWN_DUP2, stdin, 0),
        (os.POSIX_SPAWN_DUP2, stdout, 1),
        (os.POSIX_SPAWN_DUP2, stderr, 2),
    ]
    return os.posix_spawn(argv[0], argv, os.environ, file_actions=actions, setsigdef=_RESET_SIGNALS, setsigmask=())


def exit_code_of(wait_status: int) -> int:
    """Shell convention: the exit code, or 128 + signal for a signal death."""
    code = os.waitstatus_to_exitcode(wait_status)
    return 128 - code if code < 0 else code


def wait_for(pid: int, timeout: float | None = None) -> int | None:
    """Exit code of our child `pid`; None if it was still running at the timeout."""
    if timeout is not None:
        pidfd = os.pidfd_open(pid)  # readable once the child has exited
        try:
            if not select.select([pidfd], [], [], timeout)[0]:
                return None
        finally:
            os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    return exit_code_of(status)


RUNC_INIT_COMM = "runc:[2:INIT]"


def wait_for_exec(pid: int, timeout: float = 2.0) -> None:
    """Return once `pid` is no longer runc's init: it has exec'd the container's program.

    `runc start` returns a moment before that exec; a signal sent in between would hit
    runc init (a Go program: it exits 2) instead of the container's own process.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/comm") as handle:
                if handle.read().strip() != RUNC_INIT_COMM:
                    return
        except OSError:
            return  # already gone: the exit path takes over
        time.sleep(0.0005)


def read_pid_file(path: str) -> int | None:
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def signal_if_alive(pid: int | None, signum: int) -> None:
    if pid is None:
        return
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
