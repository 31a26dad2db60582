"""Private scratch directories that `prune` can tell apart from abandoned ones.

Each scratch dir `<parent>/<name>` has a sibling `<name>.lock` held with flock while
its owner runs. A process that dies (even by kill -9) drops the lock, so a later prune
removes what it left; a live owner's dir is never touched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_LOCK_SUFFIX = ".lock"


@contextmanager
def scratch_dir(parent: Path, prefix: str = "") -> Iterator[Path]:
    """A new empty dir under `parent`, removed on exit unless its owner renamed it away."""
    parent.mkdir(parents=True, exist_ok=True)
    path = parent / f"{prefix}{uuid.uuid4().hex}"
    lock_path = path.with_name(path.name + _LOCK_SUFFIX)
    # Lock under a private name first, so a visible .lock file is always held.
    private = parent / f".{uuid.uuid4().hex}.locking"
    fd = os.open(private, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.rename(private, lock_path)
        path.mkdir(mode=0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        private.unlink(missing_ok=True)
        lock_path.unlink(missing_ok=True)
        os.close(fd)


def remove_abandoned(parent: Path) -> int:
    """Remove scratch dirs under `parent` whose owner is gone; returns how many."""
    if not parent.is_dir():
        return 0
    removed = 0
    for lock_path in parent.glob(f"*{_LOCK_SUFFIX}"):
        path = lock_path.with_name(lock_path.name.removesuffix(_LOCK_SUFFIX))
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            continue
        shutil.rmtree(path, ignore_errors=True)
        lock_path.unlink(missing_ok=True)
        os.close(fd)
        removed += 1
    return removed
