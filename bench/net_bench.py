"""How long plugging one container into a bridge network takes (root).

    python3 bench/net_bench.py [--smoke]

Measures, over N containers (20, or 3 with --smoke) on one fresh network:
  add           BridgePlugin.add with the netns already made (veth, address, route, lease)
  netns+add     netns.create (loopback up) followed by add
  delete        BridgePlugin.delete
Prints median and min–max in milliseconds, and a JSON line. The goal for `add` is ≤ 20 ms.
Everything is made under a random project name and removed at the end, even on failure.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netplugins import Attachment, NetworkConfig  # noqa: E402
from netplugins import netns  # noqa: E402
from netplugins.bridge import BridgePlugin  # noqa: E402

GOAL_MS = 20.0


def _summary(samples: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(samples), 2), "min_ms": round(min(samples), 2),
            "max_ms": round(max(samples), 2), "n": len(samples)}


def _timed(func) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def run(smoke: bool = False) -> dict:
    count = 3 if smoke else 20
    project = f"nb{secrets.token_hex(2)}"
    cfg = NetworkConfig(name=f"{project}_default", project=project, key="default")
    samples: dict[str, list[float]] = {"add": [], "netns+add": [], "delete": []}
    names: list[str] = []
    with tempfile.TemporaryDirectory(prefix="net-bench-") as tmp:
        plugin = BridgePlugin(Path(tmp) / "ipam")
        try:
            plugin.ensure_network(cfg)
            names += [f"{project}-a{n}" for n in range(count)]
            attachments = [Attachment(name, str(netns.create(name)), "eth0", cfg.name) for name in names]
            for att in attachments:  # all netns made beforehand: add alone
                samples["add"].append(_timed(lambda: plugin.add(cfg, att)))
            for n in range(count):  # netns creation included
                names.append(f"{project}-b{n}")
                name = names[-1]
                samples["netns+add"].append(_timed(
                    lambda: plugin.add(cfg, Attachment(name, str(netns.create(name)), "eth0", cfg.name))))
            for att in attachments:
                samples["delete"].append(_timed(lambda: plugin.delete(cfg, att, None)))
        finally:
            plugin.gc(cfg, ())
            for name in names:
                netns.delete(name)
            plugin.remove_network(cfg)
    result = {step: _summary(values) for step, values in samples.items()}
    result["goal_add_ms"] = GOAL_MS
    result["loadavg_1min"] = round(os.getloadavg()[0], 2)  # timings mean little on a busy host
    return result


def main(argv: list[str]) -> int:
    result = run(smoke="--smoke" in argv)
    for step in ("add", "netns+add", "delete"):
        s = result[step]
        print(f"{step:10} median {s['median_ms']:6.2f} ms   min–max {s['min_ms']:.2f}–{s['max_ms']:.2f} ms   (n={s['n']})")
    print(f"load average {result['loadavg_1min']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
