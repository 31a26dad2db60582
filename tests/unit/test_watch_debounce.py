"""The debouncer, driven by plain numbers as the clock: no sleeps."""

from __future__ import annotations

import pytest

from composer.watch.debounce import Debouncer


def test_nothing_is_due_until_the_key_has_been_quiet():
    d: Debouncer[str, str] = Debouncer(quiet=0.1, max_delay=1.0)
    d.add("web", ["a"], now=0.0)
    assert d.take_due(0.05) == []
    d.add("web", ["b"], now=0.08)
    assert d.take_due(0.15) == []  # quiet restarts at each change
    assert d.next_due() == pytest.approx(0.18)
    assert d.take_due(0.18) == [("web", ["a", "b"])]
    assert d.take_due(10.0) == []


def test_a_burst_of_a_thousand_changes_is_one_batch_without_repeats():
    d: Debouncer[str, str] = Debouncer(quiet=0.075, max_delay=1.0)
    for i in range(1000):
        d.add("web", [f"f{i % 500}"], now=i * 0.0005)  # each file touched twice, 0.5 s in all
    assert d.take_due(0.5) == []
    (key, batch), = d.take_due(0.5 + 0.075)
    assert key == "web" and len(batch) == 500 and batch[:2] == ["f0", "f1"]


def test_a_never_quiet_stream_is_still_flushed_after_max_delay():
    d: Debouncer[str, int] = Debouncer(quiet=0.1, max_delay=1.0)
    t = 0.0
    batches = []
    while t < 2.5:
        d.add("logs", [int(t * 100)], now=t)
        batches += d.take_due(t)
        t += 0.05
    assert len(batches) == 2  # at 1.0 s and 2.0 s despite changes every 50 ms
    assert d.pending("logs") > 0


def test_a_busy_key_is_held_and_what_came_meanwhile_becomes_exactly_one_more_batch():
    d: Debouncer[str, str] = Debouncer(quiet=0.1, max_delay=1.0)
    d.add("web", ["a"], now=0.0)
    assert d.take_due(0.1) == [("web", ["a"])]
    busy = {"web"}  # its restart runs from 0.1 s to 3.0 s
    for i in range(30):
        d.add("web", [f"n{i}"], now=0.2 + i * 0.01)
    assert d.take_due(2.0, busy) == []  # past max_delay, but busy
    assert d.next_due(busy) is None
    batches = d.take_due(3.0, busy=set())
    assert len(batches) == 1 and len(batches[0][1]) == 30
    assert d.take_due(9.0) == []


def test_keys_are_independent():
    d: Debouncer[str, str] = Debouncer(quiet=0.25, max_delay=1.0)
    d.add("web", ["a"], now=0.0)
    d.add("api", ["b"], now=0.125)
    assert d.take_due(0.25, busy={"api"}) == [("web", ["a"])]
    assert d.next_due(busy={"api"}) is None
    assert d.next_due() == 0.375
    assert d.take_due(0.375) == [("api", ["b"])]


@pytest.mark.parametrize("quiet, max_delay", [(-0.1, 1.0), (0.5, 0.1)])
def test_impossible_windows_are_refused(quiet, max_delay):
    with pytest.raises(ValueError, match="quiet"):
        Debouncer(quiet=quiet, max_delay=max_delay)
