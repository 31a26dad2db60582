"""network: plugging one container into a bridge network, ours (bench/net_bench.py) vs Docker.

Ours: BridgePlugin.add with the namespace already made (veth, address, route, lease),
the median over 20 containers per call; also with the namespace's creation, and delete.
Docker: start on a bridge network minus start with --network none
(bench/anchors/docker_network.py), the median over 5 pairs per round. Calls alternate.
"""

from __future__ import annotations

from typing import Any

from bench.anchors import docker_network
from bench.stats import NotAvailable, Summary, interleave
from bench.suites.base import Metric, SuiteContext, SuiteResult, at_most
from bench.suites.external import call_script

NAME = "network"
MEASURES = "time to attach one container to a bridge network (veth, address, routes), ours vs Docker's libnetwork"
STEPS = ("add", "netns+add", "delete")
PAIRS = 5


def run(ctx: SuiteContext) -> SuiteResult:
    result = SuiteResult(NAME, MEASURES)
    contenders = {"ours": lambda: _ours_medians(ctx)}
    engine = None
    try:
        engine = ctx.anchors.engine()
        docker_network.create_network(engine)
        contenders["anchor"] = lambda: docker_network.measure_round(engine, PAIRS)
    except NotAvailable as exc:
        result.notes.append(f"Docker not measured: {exc}")
    try:
        samples, failures = interleave(contenders, ctx.repeats, ctx.deadline)
    finally:
        if engine is not None:
            docker_network.remove_network(engine)
    if "ours" in failures and "anchor" not in contenders:
        raise NotAvailable(failures["ours"])
    result.notes += [f"{side} dropped: {reason}" for side, reason in failures.items()]
    anchor = Summary.of(samples["anchor"]).scaled(1000) if samples.get("anchor") else None
    result.metrics = [
        Metric("add (netns made beforehand)", "ms", _ms(samples, "ours.add"), anchor, "Docker",
               at_most(20, "≤ 20 ms per container"), "ours: median of 20 per call; Docker: bridge start − none start"),
        Metric("netns + add", "ms", _ms(samples, "ours.netns+add"), anchor, "Docker"),
        Metric("delete", "ms", _ms(samples, "ours.delete")),
    ]
    return result


def _ours_medians(ctx: SuiteContext) -> dict[str, float]:
    data: dict[str, Any] = call_script(ctx, "net_bench")
    return {step: data[step]["median_ms"] for step in STEPS if step in data}


def _ms(samples: dict[str, list[float]], key: str) -> Summary | None:
    """Samples already in milliseconds."""
    return Summary.of(samples[key]) if samples.get(key) else None
