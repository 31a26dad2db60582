"""One changing command per project at a time: `up` and `down` hold a lock on the project.

Two `up`s of one project at once would both plan against the same empty host and race
to create the same containers; with the lock the second waits and then finds the first's
work done. An flock ends with its process, so a `kill -9` never leaves the project locked.
The lock files live apart from the project's run dir, which `down` removes (a lock on
an unlinked file would no longer exclude anyone).
"""

from __future__ import annotations

import fcntl
import os

from composer import paths


def hold(project_name: str) -> None:
    """Take the project's lock for the rest of this process (waiting, and saying so, if taken)."""
    directory = paths.run_root() / "locks"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(directory / f"{project_name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        from composer.cli import output

        output.warning(f"project {project_name}: another compose command is changing it; waiting for it to finish")
        fcntl.flock(fd, fcntl.LOCK_EX)
    _held[project_name] = fd  # kept open (and locked) until release() or the process ends


def release(project_name: str) -> None:
    """Let the others in: `up` attached to its containers no longer changes the project
    (a `down` from another terminal must not wait for it)."""
    fd = _held.pop(project_name, None)
    if fd is not None:
        os.close(fd)


_held: dict[str, int] = {}
