"""Worker threads that take queued query ids and run them, one catalogue connection each."""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable

from firethorn.catalogue import Catalogue, QueryFailed
from firethorn.history import History

_STOP = -1


class Runner:
    def __init__(self, history: History, open_catalogue: Callable[[], Catalogue], workers: int) -> None:
        self.history, self.open_catalogue, self.workers = history, open_catalogue, workers
        self._queue: queue.Queue[int] = queue.Queue()
        self._finished: dict[int, threading.Event] = {}  # queued or running id → set when it ends
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"worker-{number + 1}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Let each worker finish its current query (up to timeout), then end."""
        for _ in self._threads:
            self._queue.put(_STOP)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def submit(self, query_id: int) -> None:
        with self._lock:
            self._finished[query_id] = threading.Event()
        self._queue.put(query_id)

    def wait(self, query_id: int, timeout: float) -> None:
        """Return when the query has ended or after timeout seconds, whichever is first."""
        with self._lock:
            event = self._finished.get(query_id)
        if event is not None:
            event.wait(timeout)

    def queued(self) -> int:
        return self._queue.qsize()

    def _work(self) -> None:
        catalogue = self.open_catalogue()
        try:
            while (query_id := self._queue.get()) != _STOP:
                try:
                    self._run(catalogue, query_id)
                except Exception as exc:  # the metadata database failed: log it, keep the worker
                    log(f"query {query_id}: cannot record its outcome: {exc}")
                finally:
                    with self._lock:
                        event = self._finished.pop(query_id, None)
                    if event is not None:
                        event.set()
        finally:
            catalogue.close()

    def _run(self, catalogue: Catalogue, query_id: int) -> None:
        sql = self.history.start(query_id)
        if sql is None:
            return
        started = time.monotonic()
        try:
            outcome = catalogue.run(sql)
        except QueryFailed as failure:
            elapsed_ms = (time.monotonic() - started) * 1000
            self.history.fail(query_id, failure.message, failure.sqlstate, elapsed_ms)
            log(f"query {query_id} failed after {elapsed_ms / 1000:.3f}s: {failure.message}")
            return
        elapsed_ms = (time.monotonic() - started) * 1000
        self.history.finish(query_id, outcome, elapsed_ms)
        log(f"query {query_id} done: {len(outcome.rows)} rows{' (truncated)' if outcome.truncated else ''} in {elapsed_ms / 1000:.3f}s")


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
