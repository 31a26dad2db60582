"""Run tasks as soon as their dependencies are done, in parallel, bounded.

The shape of docker-compose 1.x's parallel.py, fed by a networkx graph: a task starts
when every task it depends on has finished successfully; the dependents of a failed
task are not run and end as Skipped (the upstream failure named); independent tasks
run concurrently in a bounded thread pool. The executor never prints: it yields
Events, and the CLI decides how to show them.
"""

from __future__ import annotations

import os
import queue
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Hashable, Iterable, Iterator, Mapping

from composer.errors import ComposerError

DEFAULT_PARALLEL_LIMIT = 16
UNLIMITED = 1024  # `--parallel -1`: threads are made only as tasks need them
_chosen_limit: int | None = None  # `compose --parallel N`, which wins over the environment


class Status(Enum):
    STARTED = "started"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Event:
    key: Hashable
    status: Status
    detail: Any = None  # the task's result (DONE), exception (FAILED), upstream key (SKIPPED)
    at: float = 0.0  # time.monotonic() when it happened


class UpstreamError(Exception):
    """A task was not run because a task it depends on failed."""

    def __init__(self, upstream: Hashable) -> None:
        super().__init__(f"not run: {upstream} failed")
        self.upstream = upstream


def choose_parallel_limit(limit: int | None) -> None:
    """The global `--parallel N` (-1: unlimited; None: back to $COMPOSE_PARALLEL_LIMIT)."""
    global _chosen_limit
    _chosen_limit = UNLIMITED if limit == -1 else limit


def parallel_limit(environ: Mapping[str, str] | None = None) -> int:
    if _chosen_limit is not None and environ is None:
        return _chosen_limit
    value = (environ if environ is not None else os.environ).get("COMPOSE_PARALLEL_LIMIT", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_PARALLEL_LIMIT


def run_tasks(
    tasks: Mapping[Hashable, Callable[[], Any]],
    depends_on: Mapping[Hashable, Iterable[Hashable]],
    limit: int = DEFAULT_PARALLEL_LIMIT,
) -> Iterator[Event]:
    """Run every task once its dependencies succeeded; yield Events as they happen.

    `depends_on[key]` names keys that must be DONE first; keys not in `tasks` are
    treated as already done (e.g. services outside the selection).
    """
    waiting = {key: {dep for dep in depends_on.get(key, ()) if dep in tasks} for key in tasks}
    dependents: dict[Hashable, list[Hashable]] = {key: [] for key in tasks}
    for key, deps in waiting.items():
        for dep in deps:
            dependents[dep].append(key)
    finished: queue.Queue[tuple[Hashable, bool, Any]] = queue.Queue()
    pending = set(tasks)

    def launch(pool: ThreadPoolExecutor, key: Hashable) -> Event:
        future: Future = pool.submit(tasks[key])
        future.add_done_callback(lambda f, k=key: finished.put((k, f.exception() is None, f.exception() or f.result())))
        return Event(key, Status.STARTED, at=time.monotonic())

    def skip_dependents(key: Hashable, root: Hashable) -> Iterator[Event]:
        for child in dependents[key]:
            if child in pending and child in waiting:
                pending.discard(child)
                del waiting[child]
                yield Event(child, Status.SKIPPED, UpstreamError(root), time.monotonic())
                yield from skip_dependents(child, root)

    with ThreadPoolExecutor(max_workers=max(1, limit), thread_name_prefix="compose") as pool:
        for key in [k for k, deps in waiting.items() if not deps]:
            del waiting[key]
            yield launch(pool, key)
        running = len(tasks) - len(waiting)
        while running:
            key, ok, detail = finished.get()
            running -= 1
            pending.discard(key)
            if not ok:
                yield Event(key, Status.FAILED, detail, time.monotonic())
                yield from skip_dependents(key, key)
                continue
            yield Event(key, Status.DONE, detail, time.monotonic())
            for child in dependents[key]:
                if child in waiting:
                    waiting[child].discard(key)
                    if not waiting[child]:
                        del waiting[child]
                        running += 1
                        yield launch(pool, child)


def for_each(states: Iterable, action: Callable[[Any], None]) -> dict[str, str]:
    """Apply action to the containers (anything with a .name) in parallel; failures as name → one line."""
    tasks = {state.name: (lambda s=state: action(s)) for state in states}
    failures = {}
    for event in run_tasks(tasks, {}, parallel_limit()):
        if event.status is Status.FAILED:
            detail = event.detail
            failures[str(event.key)] = detail.one_line() if isinstance(detail, ComposerError) else str(detail)
    return failures
