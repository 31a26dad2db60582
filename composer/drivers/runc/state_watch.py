"""Watching the containers' state dirs (inotify), and reading them into event snapshots.

Non-recursive watches only: the containers dir (a container appears or goes) and each
container's state dir (state.json and stop-request are replaced by rename, so creates,
deletes and moves are all there is to see). Never the rootfs below it. A pause (cgroup
freezer) makes no file event, so callers also look again after a short timeout.
inotify through ctypes: watchdog would start a thread per directory and import far more
than this needs.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
import time
from datetime import datetime
from pathlib import Path

from composer.drivers.events import ContainerSnapshot
from composer.drivers.runc import records
from composer.runtime.layout import ContainerPaths
from composer.shim.config import SHIM_CONFIG, STATE_FILE, STOP_REQUEST

# In a state dir only these matter; runc.log, probe.pid and the rest change on every
# healthcheck probe and would only wake us for nothing.
STATE_NAMES = frozenset(name.encode() for name in (STATE_FILE, STOP_REQUEST, SHIM_CONFIG))

IN_MOVED_FROM = 0x040
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_IGNORED = 0x8000  # the watch is gone (its directory was removed)
IN_ONLYDIR = 0x01000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000
WATCH_MASK = IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR
EVENT_HEADER = struct.Struct("iIII")  # wd, mask, cookie, len (struct inotify_event)


class StateWatcher:
    """Wakes up when anything changes in the containers dir or a container's state dir."""

    def __init__(self, containers_dir: Path) -> None:
        self._root = containers_dir
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1: " + os.strerror(ctypes.get_errno()))
        self._watched: dict[int, Path] = {}  # watch descriptor → directory
        self.refresh()

    def refresh(self) -> None:
        """Watch the containers dir and every state dir in it (new ones included)."""
        self._add(self._root)
        try:
            entries = list(os.scandir(self._root))
        except OSError:
            return
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                self._add(Path(entry.path))

    def _add(self, directory: Path) -> None:
        if directory in self._watched.values():
            return
        wd = self._libc.inotify_add_watch(self._fd, os.fsencode(directory), WATCH_MASK)
        if wd >= 0:
            self._watched[wd] = directory
        elif ctypes.get_errno() not in (errno.ENOENT, errno.ENOTDIR):
            raise OSError(ctypes.get_errno(), f"inotify_add_watch {directory}: {os.strerror(ctypes.get_errno())}")

    def wait(self, timeout: float) -> bool:
        """True once something that matters changed, False after timeout. Which file changed
        is not said: callers read the state again."""
        deadline = time.monotonic() + timeout
        changed = False
        while not changed:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._fd], [], [], remaining)[0]:
                break
            changed = self._drain()
        self.refresh()  # also when the containers dir did not exist yet
        return changed

    def _drain(self) -> bool:
        """Read all pending events: did any matter? Forget the watches the kernel dropped."""
        changed = False
        while True:
            try:
                data = os.read(self._fd, 65536)
            except BlockingIOError:
                return changed
            offset = 0
            while offset < len(data):
                wd, mask, _cookie, length = EVENT_HEADER.unpack_from(data, offset)
                name = data[offset + EVENT_HEADER.size : offset + EVENT_HEADER.size + length].rstrip(b"\0")
                offset += EVENT_HEADER.size + length
                if mask & IN_IGNORED:
                    self._watched.pop(wd, None)
                elif self._watched.get(wd) == self._root or name in STATE_NAMES:
                    changed = True

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> StateWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def take_snapshot(runtime, project: str, services: tuple[str, ...] = ()) -> dict[str, ContainerSnapshot]:
    """The project's containers now (one-off `compose run` containers left out, as Compose)."""
    found = {}
    for state in runtime.list(project):
        if services and state.service not in services:
            continue
        record = records.load_container(project, state.name)
        if record is None and state.status == "created":
            continue  # being created: its record (image) follows; seen at the next look
        if record is not None and record.oneoff:
            continue
        found[state.name] = ContainerSnapshot(
            name=state.name,
            service=state.service,
            status=state.status,
            image=record.image if record else "",
            exit_code=state.exit_code,
            oom_killed=state.oom_killed,
            created_at=datetime.fromisoformat(record.created) if record else None,
            started_at=state.started_at,
            finished_at=state.finished_at,
            restart_count=state.restart_count,
            health=state.health.status if state.health else None,
            stop_requested=ContainerPaths.for_name(state.name).stop_request.exists(),
        )
    return found
