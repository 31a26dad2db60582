"""A watch session: inotify → rules → debouncer → one action per service per batch.

Threads: watchdog's InotifyObserver (its emitter and dispatcher) hands events to
`_Handler`, which maps each path to the rules it fires and adds those changes to the
Debouncer under one lock. One scheduler thread hands out due batches; each batch runs
in its own worker thread, so a slow restart of one service does not hold up another's
sync, while the service stays "busy": changes arriving meanwhile wait and become one
more batch after it (never lost, never two restarts at once).

    with WatchSession(project, watches, engine, notify) as session:
        ...  # until Ctrl-C
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

from composer.errors import ComposerError
from composer.watch.actions import Change, Notify, ServiceActions, ServiceWatch, WatchEvent
from composer.watch.debounce import Debouncer
from composer.watch.errors import WatchError
from composer.watch.rules import SYNC_ACTIONS

# Opens, closes without writing and directory mtime changes say nothing about content.
EVENT_TYPES = [
    FileCreatedEvent, FileModifiedEvent, FileAttribEvent, FileClosedEvent, FileDeletedEvent, FileMovedEvent,
    DirCreatedEvent, DirDeletedEvent, DirMovedEvent,
]  # fmt: skip
STOP_TIMEOUT = 60.0  # waiting for running actions at stop (a restart may wait out a grace period)


def _inotify_observer():
    """watchdog's inotify backend, chosen explicitly: we are Linux-only and want no silent fallback."""
    from watchdog.observers.inotify import InotifyObserver

    return InotifyObserver()


class WatchSession:
    def __init__(self, project, watches: list[ServiceWatch], engine, notify: Notify, prune: bool = True, quiet: bool = False) -> None:
        self.watches = {w.service.name: w for w in watches}
        self.actions = ServiceActions(project, engine, notify, prune=prune, quiet=quiet)
        self.debouncer: Debouncer[str, Change] = Debouncer()
        self._cond = threading.Condition()
        self._busy: set[str] = set()
        self._workers: list[threading.Thread] = []
        self._stopping = False
        self._observer = _inotify_observer()
        self._scheduler = threading.Thread(target=self._schedule, name="watch-scheduler", daemon=True)

    def __enter__(self) -> WatchSession:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Watch first, then the initial syncs: a change made meanwhile is synced, not lost."""
        handler = _Handler(self)
        points = _watch_points(self.watches.values())
        try:
            for path, recursive in points:
                self._observer.schedule(handler, path, recursive=recursive, event_filter=EVENT_TYPES)
            self._observer.start()  # the inotify watches are added here, in this thread
        except OSError as exc:
            self._observer.stop()
            where = exc.filename or ", ".join(path for path, _ in points)
            raise WatchError(f"cannot watch {where}: {exc.strerror or exc}", "for 'No space left on device' raise the sysctl fs.inotify.max_user_watches") from None
        self._scheduler.start()
        for watch in self.watches.values():
            self._initial_sync(watch)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._observer.stop()
        self._observer.join(timeout=10)
        if self._scheduler.is_alive():
            self._scheduler.join(timeout=10)
        deadline = time.monotonic() + STOP_TIMEOUT
        for worker in self._workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))

    def add(self, service: str, changes: Iterable[Change]) -> None:
        with self._cond:
            self.debouncer.add(service, changes, time.monotonic())
            self._cond.notify_all()

    def _initial_sync(self, watch: ServiceWatch) -> None:
        """Sync each initial_sync rule's whole tree, files already equal skipped; the service is busy meanwhile."""
        changes = [Change(i, r.root, not r.is_file) for i, r in enumerate(watch.rules) if r.rule.initial_sync and r.rule.action in SYNC_ACTIONS]
        if not changes:
            return
        name = watch.service.name
        with self._cond:
            self._busy.add(name)
        try:
            containers = self.actions.containers(name)
            self._run(name, lambda: self.actions.sync(watch, containers, changes, only_changed=True))
        finally:
            with self._cond:
                self._busy.discard(name)
                self._cond.notify_all()

    def _schedule(self) -> None:
        with self._cond:
            while not self._stopping:
                for service, changes in self.debouncer.take_due(time.monotonic(), self._busy):
                    self._busy.add(service)
                    worker = threading.Thread(target=self._work, args=(service, changes), name=f"watch-{service}", daemon=True)
                    self._workers = [w for w in self._workers if w.is_alive()] + [worker]
                    worker.start()
                wake = self.debouncer.next_due(self._busy)
                self._cond.wait(None if wake is None else max(0.0, wake - time.monotonic()))

    def _work(self, service: str, changes: list[Change]) -> None:
        try:
            self._run(service, lambda: self.actions.run_batch(self.watches[service], changes))
        finally:
            with self._cond:
                self._busy.discard(service)
                self._cond.notify_all()

    def _run(self, service: str, action) -> None:
        """Run one action; a bug is reported as a line, not a dead thread nobody notices."""
        try:
            action()
        except ComposerError as exc:
            self.actions.notify(WatchEvent(service, exc.one_line(), failed=True))
        except Exception as exc:  # noqa: BLE001 - the session must outlive one failed action
            self.actions.notify(WatchEvent(service, f"{type(exc).__name__}: {exc}", failed=True))


class _Handler(FileSystemEventHandler):
    def __init__(self, session: WatchSession) -> None:
        self.session = session

    def dispatch(self, event: FileSystemEvent) -> None:
        paths = [event.src_path, event.dest_path] if event.dest_path else [event.src_path]
        found: dict[str, list[Change]] = {}
        for raw in paths:
            path = os.path.normpath(os.fsdecode(raw))
            for name, watch in self.session.watches.items():
                for index, rule in enumerate(watch.rules):
                    if rule.covers(path, event.is_directory):
                        found.setdefault(name, []).append(Change(index, path, event.is_directory))
        for name, changes in found.items():
            self.session.add(name, changes)


def _watch_points(watches: Iterable[ServiceWatch]) -> list[tuple[str, bool]]:
    """(path, recursive) to give inotify: a watched directory, or a watched file's directory.

    A file is watched through its directory: an editor's atomic save replaces the file
    (a new inode), and a watch on the old inode would go quiet.
    """
    points: dict[str, bool] = {}
    for watch in watches:
        for rule in watch.rules:
            path, recursive = (os.path.dirname(rule.root), False) if rule.is_file else (rule.root, True)
            points[path] = points.get(path, False) or recursive
    return sorted(points.items())
