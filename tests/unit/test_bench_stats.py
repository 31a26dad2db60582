"""The bench's pure parts: summaries, interleaving, goals and the report's tables."""

from __future__ import annotations

import time

import pytest

from bench.report import RunReport, render_markdown
from bench.stats import NotAvailable, Summary, interleave, ratio
from bench.suites.base import Metric, SuiteResult, at_most, ratio_at_least, ratio_at_most, within


def test_summary_is_median_with_min_and_max() -> None:
    summary = Summary.of([5.0, 1.0, 3.0, 100.0])
    assert (summary.median, summary.low, summary.high, summary.count) == (4.0, 1.0, 100.0, 4)
    assert Summary.of([0.25]).scaled(1000).median == 250.0
    with pytest.raises(ValueError):
        Summary.of([])


def test_ratio_is_ours_over_anchor_and_none_when_a_side_is_missing() -> None:
    assert ratio(Summary.of([1.0]), Summary.of([4.0])) == 0.25
    assert ratio(None, Summary.of([4.0])) is None
    assert ratio(Summary.of([1.0]), Summary.of([0.0])) is None


def test_interleave_alternates_and_flips_the_order_each_round() -> None:
    calls: list[str] = []
    contenders = {name: (lambda name=name: calls.append(name) or 1.0) for name in ("ours", "anchor")}
    samples, failures = interleave(contenders, repeats=3, deadline=time.monotonic() + 60)
    assert calls == ["ours", "anchor", "anchor", "ours", "ours", "anchor"]
    assert samples == {"ours": [1.0] * 3, "anchor": [1.0] * 3}
    assert failures == {}


def test_interleave_keys_several_figures_and_drops_a_failing_contender() -> None:
    def failing() -> float:
        raise NotAvailable("no engine")

    samples, failures = interleave({"ours": lambda: {"up": 1.0, "down": 2.0}, "anchor": failing}, 2, time.monotonic() + 60)
    assert samples == {"ours.up": [1.0, 1.0], "ours.down": [2.0, 2.0]}
    assert failures == {"anchor": "no engine"}


def flaky(*outcomes: float | Exception):
    remaining = iter(outcomes)

    def measure() -> float:
        outcome = next(remaining)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return measure


def test_interleave_tolerates_lost_rounds_before_dropping() -> None:
    deadline = time.monotonic() + 60
    samples, failures = interleave({"anchor": flaky(1.0, NotAvailable("busy"), 3.0)}, 3, deadline, tolerate=1)
    assert samples == {"anchor": [1.0, 3.0]}
    assert failures == {"anchor": "1 round(s) lost: busy"}

    samples, failures = interleave({"anchor": flaky(NotAvailable("a"), NotAvailable("b"))}, 3, deadline, tolerate=1)
    assert samples == {}
    assert failures == {"anchor": "dropped after 2 failed rounds; last: b"}


def test_interleave_stops_after_one_round_once_past_the_deadline() -> None:
    samples, _ = interleave({"ours": lambda: 1.0}, repeats=5, deadline=time.monotonic() - 1)
    assert samples == {"ours": [1.0]}


def test_goals_check_medians() -> None:
    fast, slow = Summary.of([10.0]), Summary.of([40.0])
    assert at_most(20, "").met(fast, None) is True
    assert at_most(20, "").met(slow, None) is False
    assert ratio_at_most(1 / 3, "").met(fast, slow) is True
    assert ratio_at_least(3, "").met(slow, fast) is True
    assert within(25, "").met(slow, fast) is False
    assert ratio_at_most(0.5, "").met(fast, None) is None
    assert at_most(20, "").met(None, fast) is None


def test_report_has_a_table_per_suite_and_says_what_was_not_available() -> None:
    measured = SuiteResult("cli", "start-up", [
        Metric("compose --help", "ms", Summary.of([100.0, 90.0, 120.0]), Summary.of([50.0]), "Compose v2",
               at_most(150, "≤ 150 ms")),
    ], notes=["a note"])
    missing = SuiteResult("watch", "sync latency", unavailable="compose watch not implemented yet")
    text = render_markdown(RunReport(False, "python3 -m bench", 12.0, {"nproc": "2"}, {"composer": "0.1.0"},
                                     [measured, missing]))
    assert "| compose --help (ms) | 100 (90.0–120) | 50.0 Compose v2 | 2.00× | ≤ 150 ms | yes |" in text
    assert "| cli | 1/1 | 1 figure |" in text
    assert "**not available: compose watch not implemented yet**" in text
    assert "- a note" in text
    assert "| nproc | 2 |" in text and "| composer | 0.1.0 |" in text
    assert "no process, mount, cgroup or bridge of the run left" in text
