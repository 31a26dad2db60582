"""Coalescer: concurrent requests share runs, and every caller is covered by a run that began after it."""

import threading
import time

import pytest

from composer.drivers.runc.coalesce import Coalescer


def test_parallel_requests_share_runs_and_each_is_covered():
    runs: list[tuple[float, float]] = []

    def work():
        started = time.monotonic()
        time.sleep(0.03)
        runs.append((started, time.monotonic()))

    coalesce = Coalescer(work)
    calls: list[tuple[float, float]] = []
    lock = threading.Lock()

    def caller():
        asked = time.monotonic()
        coalesce()
        with lock:
            calls.append((asked, time.monotonic()))

    threads = [threading.Thread(target=caller) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(calls) == 20
    assert 1 <= len(runs) <= 3  # 20 requests, not 20 runs
    for asked, returned in calls:
        assert any(asked <= started and ended <= returned for started, ended in runs)


def test_sequential_requests_each_run():
    count = []
    coalesce = Coalescer(lambda: count.append(1))
    for _ in range(3):
        coalesce()
    assert len(count) == 3


def test_an_error_reaches_the_caller_that_ran_it_and_the_next_call_runs_again():
    outcomes = iter([RuntimeError("disk full"), None])

    def work():
        error = next(outcomes)
        if error:
            raise error

    coalesce = Coalescer(work)
    with pytest.raises(RuntimeError, match="disk full"):
        coalesce()
    coalesce()  # served by a fresh run
