"""start-floor: one container from nothing to its process running, ours vs bare `runc run -d`.

Wraps bench/start_bench.py (the same busybox bundle and config.json both ways; "running"
means the container wrote to a fifo). Bare runc is the floor no runc-based tool can beat.
"""

from __future__ import annotations

from bench.stats import Summary
from bench.suites.base import Metric, SuiteContext, SuiteResult, within
from bench.suites.external import call_script, summary_of

NAME = "start-floor"
MEASURES = "time from create to the container's process running, composer (supervisor + runc) vs bare runc"


def run(ctx: SuiteContext) -> SuiteResult:
    data = call_script(ctx, "start_bench")
    count = int(data.get("repeats", 1))
    result = SuiteResult(NAME, MEASURES)
    result.metrics = [
        Metric("create + start to running", "ms", summary_of(data.get("composer_ms"), count),
               summary_of(data.get("bare_runc_ms"), count), "bare runc", within(50, "within 50 ms of bare runc")),
        Metric("create only", "ms", summary_of(data.get("composer_create_ms"), count), None, "",
               note="ours: overlay mount, config.json, supervisor start"),
    ]
    memory = data.get("shim_memory_kb") or {}
    for key, label in (("VmRSS", "supervisor RSS"), ("Pss", "supervisor PSS")):
        if key in memory:
            value = memory[key] / 1024
            result.metrics.append(Metric(label, "MiB", Summary(value, value, value, 1), note="once, after start"))
    return result
