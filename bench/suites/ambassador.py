"""ambassador: the kernel fast path and the userspace forwarder vs a direct connection and
vs socat, in three namespaces on one of our bridges (client, ambassador, server).

Wraps bench/ambassador_bench.py (iperf3 bulk, a C client for connection rate and
latency). Two anchors: direct (client → server, no proxy: the ceiling) and socat (the usual
tool); for bulk, the better of socat and socat -b131072. Rows against direct also carry the
paired figure (median over rounds of ours vs direct in the same round).
"""

from __future__ import annotations

from typing import Any

from bench.stats import Summary
from bench.suites.base import Metric, SuiteContext, SuiteResult, ratio_at_least, within
from bench.suites.external import call_script, summary_of

NAME = "ambassador"
MEASURES = ("bulk throughput, connection rate and added latency through the kernel fast path (vs direct) "
            "and the userspace forwarder (vs socat), client, ambassador and server in namespaces on one bridge")
OURS = "forwarder"
KERNEL = "kernel"


def run(ctx: SuiteContext) -> SuiteResult:
    data = call_script(ctx, "ambassador_bench")
    summary, count = data.get("summary", {}), int(data.get("rounds", 1))
    result = SuiteResult(NAME, MEASURES)

    def row(metric: str, label: str, unit: str, anchor: str, goal=None, ours: str = OURS) -> Metric:
        figures = summary.get(metric, {})
        return Metric(f"{ours}: {label}", unit, summary_of(figures.get(ours), count), summary_of(figures.get(anchor), count),
                      anchor, goal, _paired_note(figures.get(ours), unit) if anchor == "direct" else "")

    bulk = (("bulk_up_gbps", "bulk, client → server"), ("bulk_down_gbps", "bulk, server → client"))
    for metric, label in bulk:
        result.metrics.append(row(metric, label, "Gbit/s", "direct", ratio_at_least(0.9, "≥ 90 % of direct"), KERNEL))
    result.metrics += [
        row("connections_per_s", "connections per second (4 clients)", "conn/s", "direct", ratio_at_least(0.9, "≥ 90 % of direct"), KERNEL),
        row("pingpong_p50_us", "round trip p50, 64 B", "µs", "direct", within(15, "added ≤ 15 µs"), KERNEL),
        row("connect_p50_us", "connect + round trip p50", "µs", "direct", None, KERNEL),
    ]
    for metric, label in bulk:
        result.metrics.append(row(metric, label, "Gbit/s", "direct"))
        best = _best_socat(summary.get(metric, {}))
        result.metrics.append(row(metric, label, "Gbit/s", best, ratio_at_least(1.3, "≥ 1.3× socat")))
    result.metrics += [
        row("connections_per_s", "connections per second (4 clients)", "conn/s", "socat", ratio_at_least(3.0, "≥ 3× socat")),
        row("pingpong_p50_us", "round trip p50, 64 B", "µs", "direct"),
        row("pingpong_p99_us", "round trip p99, 64 B", "µs", "direct"),
        row("pingpong_p50_us", "round trip p50, 64 B", "µs", "socat"),
        row("connect_p50_us", "connect + round trip p50", "µs", "socat"),
        row("connect_p99_us", "connect + round trip p99", "µs", "socat"),
    ]
    memory = data.get("forwarder_memory") or {}
    for key, label in (("idle_rss_kib", "forwarder RSS, idle"), ("peak_rss_kib", "forwarder RSS, peak")):
        if key in memory:
            value = memory[key] / 1024
            result.metrics.append(Metric(label, "MiB", Summary(value, value, value, 1)))
    return result


def _paired_note(ours: dict[str, Any] | None, unit: str) -> str:
    """Per-round comparison with direct (same round, so load drift between rounds cancels)."""
    if not ours or "paired_ratio_to_direct" not in ours:
        return ""
    if unit == "µs":
        return f"paired per round: {ours['paired_added_to_direct']:+.1f} µs vs direct"
    return f"paired per round: ×{ours['paired_ratio_to_direct']:.2f} of direct"


def _best_socat(by_contender: dict[str, Any]) -> str:
    socats = [name for name in by_contender if name.startswith("socat")]
    return max(socats, key=lambda name: by_contender[name]["median"], default="socat")
