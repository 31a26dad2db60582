"""The executor, tested with plain functions and strings (no runtime, no mocks)."""

import threading
import time

import pytest

from composer.executor.tasks import Status, UpstreamError, parallel_limit, run_tasks


def collect(tasks, deps, limit=8):
    return list(run_tasks(tasks, deps, limit))


def test_runs_in_dependency_order_and_returns_results():
    order = []
    tasks = {name: (lambda n=name: order.append(n) or n.upper()) for name in ("db", "app", "web")}
    events = collect(tasks, {"app": ["db"], "web": ["app"]})
    assert order == ["db", "app", "web"]
    done = {e.key: e.detail for e in events if e.status is Status.DONE}
    assert done == {"db": "DB", "app": "APP", "web": "WEB"}


def test_independent_tasks_overlap_in_time():
    barrier = threading.Barrier(3, timeout=5)
    tasks = {name: barrier.wait for name in ("a", "b", "c")}  # deadlocks unless all 3 run at once
    events = collect(tasks, {})
    assert sorted(e.key for e in events if e.status is Status.DONE) == ["a", "b", "c"]


def test_limit_bounds_concurrency():
    active, peak, lock = [0], [0], threading.Lock()

    def task():
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1

    collect({i: task for i in range(8)}, {}, limit=2)
    assert peak[0] == 2


def test_failure_skips_only_dependents():
    def boom():
        raise RuntimeError("db would not start")

    tasks = {"db": boom, "app": lambda: 1, "web": lambda: 2, "cache": lambda: 3}
    events = collect(tasks, {"app": ["db"], "web": ["app"]})
    by_key = {e.key: e for e in events if e.status is not Status.STARTED}
    assert by_key["db"].status is Status.FAILED and str(by_key["db"].detail) == "db would not start"
    assert by_key["app"].status is Status.SKIPPED and isinstance(by_key["app"].detail, UpstreamError)
    assert by_key["web"].status is Status.SKIPPED and by_key["web"].detail.upstream == "db"
    assert by_key["cache"].status is Status.DONE


def test_dependencies_outside_the_task_set_count_as_done():
    events = collect({"web": lambda: "ok"}, {"web": ["db"]})
    assert [e.status for e in events] == [Status.STARTED, Status.DONE]


def test_diamond_waits_for_both_branches():
    order = []
    tasks = {k: (lambda k=k: order.append(k)) for k in "abcd"}
    collect(tasks, {"b": ["a"], "c": ["a"], "d": ["b", "c"]})
    assert order[0] == "a" and order[-1] == "d"


@pytest.mark.parametrize("value,expected", [("", 16), ("4", 4), ("0", 16), ("x", 16)])
def test_parallel_limit_from_environment(value, expected):
    assert parallel_limit({"COMPOSE_PARALLEL_LIMIT": value}) == expected
