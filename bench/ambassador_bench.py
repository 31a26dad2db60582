#!/usr/bin/env python3
"""Ambassadors, side by side with a direct connection and with socat (root).

    python3 bench/ambassador_bench.py [--smoke] [--json FILE]

Everything runs in three namespaces on one of our bridge networks (ambassador_topology.py):
client → server is "direct"; the proxies listen in the ambassador's namespace, as composer
runs them. Contenders: direct, kernel (the forwarder's nftables fast path, fast_path: auto),
forwarder (the userspace path, fast_path: off), `socat TCP-LISTEN:P,fork,reuseaddr
TCP:SERVER:Q`, and the same with -b131072. Measures:
  bulk      iperf3 through each contender, both directions (Gbit/s)
  rate      connect-send-receive-close per second, from a C client (4 processes)
  pingpong  round trip of 64 bytes on one connection, p50/p99 (µs)
  connect   the same round trip on a new connection each time, p50/p99 (µs)
Contenders are interleaved (their order rotates each round) and every measurement is
repeated (5 rounds; --smoke: 1 short round, about 10 s), reporting the median and the
min–max, ratios to direct and to socat, and paired figures (per round, against direct in
that same round: the goals use these, as other load on the machine drifts between rounds). The C load generator is compiled with gcc
at start, so the client is never the bottleneck. Needs gcc, iperf3 and socat.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.ambassador_topology import Topology, run_in  # noqa: E402
from netplugins.forwarder.api import read_stats, start_forwarder, stop_forwarder  # noqa: E402

LOADGEN_C = (Path(__file__).resolve().parent / "ambassador_loadgen.c").read_text()

CONTENDERS = ("direct", "kernel", "forwarder", "socat", "socat-b128k")
ECHO_PORT, IPERF_PORT = 7000, 7001  # on the server; each proxy listens on its own pair in the ambassador
FULL = {"rounds": 5, "bulk": ["-t", "2"], "rate_seconds": 1.5, "pings": 10000, "connects": 1000}  # 5 contenders within the 300 s suite budget
SMOKE = {"rounds": 1, "bulk": ["-n", "512M"], "rate_seconds": 0.5, "pings": 2000, "connects": 300}


class Bench:
    """Backends, proxies and the load generator in a Topology, all stopped by close()."""

    def __init__(self, workdir: Path, net: Topology) -> None:
        self.workdir = workdir
        self.net = net
        self.procs: list[subprocess.Popen] = []
        self.forwarder: subprocess.Popen | None = None
        self.ports: dict[str, tuple[str, int, int]] = {}  # contender → (address, echo port, iperf port)

    def start(self) -> None:
        self.loadgen = self._build_loadgen()
        server = self.net.ip["server"]
        self._spawn("server", [self.loadgen, "serve", str(ECHO_PORT), "16"], stdout=subprocess.PIPE).stdout.readline()
        self._spawn("server", ["iperf3", "-s", "-p", str(IPERF_PORT)], stdout=subprocess.DEVNULL)
        self.ports["direct"] = (server, ECHO_PORT, IPERF_PORT)
        self.wait_listening("direct")
        self.forwarder = self._start_forwarder(server)
        self.ports["socat"] = self._start_socat("socat", [], 7200)
        self.ports["socat-b128k"] = self._start_socat("socat-b128k", ["-b131072"], 7300)

    def _build_loadgen(self) -> str:
        source, binary = self.workdir / "loadgen.c", self.workdir / "loadgen"
        source.write_text(LOADGEN_C)
        subprocess.run(["gcc", "-O2", "-o", str(binary), str(source)], check=True)
        return str(binary)

    def _spawn(self, role: str, command: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen([*self.net.prefix(role), *command], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
        self.procs.append(proc)
        return proc

    def wait_listening(self, contender: str, timeout: float = 5.0) -> None:
        host, echo, _ = self.ports[contender]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = f"import socket; socket.create_connection(({host!r}, {echo}), 1)"
            if run_in(self.net, "client", [sys.executable, "-c", probe], capture_output=True).returncode == 0:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{contender}: nothing listens on {host}:{echo}")

    def _start_forwarder(self, server: str) -> subprocess.Popen:
        config, stats = self.workdir / "forwarder.json", self.workdir / "stats.json"
        ambassadors = []
        for contender, base, fast in (("kernel", 7000, "auto"), ("forwarder", 7100, "off")):
            for kind, port, backend in (("echo", base + 10, ECHO_PORT), ("bulk", base + 11, IPERF_PORT)):
                ambassadors.append({"name": f"{contender}-{kind}", "listen": f"tcp://0.0.0.0:{port}",
                                    "target": f"tcp://{server}:{backend}", "fast_path": fast})
            self.ports[contender] = (self.net.ip["ambassador"], base + 10, base + 11)
        config.write_text(json.dumps({"stats": str(stats), "ambassadors": ambassadors}))
        proc = start_forwarder(str(config), netns=self.net.netns_path("ambassador"), log_path=str(self.workdir / "forwarder.log"))
        deadline = time.monotonic() + 10  # the kernel path is on once the targets answered a probe
        while time.monotonic() < deadline:
            amb = read_stats(str(stats)).get("ambassadors", {})
            if all(amb.get(f"kernel-{kind}", {}).get("path") == "kernel" for kind in ("echo", "bulk")):
                return proc
            time.sleep(0.05)
        stop_forwarder(proc)
        raise RuntimeError(f"the kernel fast path did not come up; see {self.workdir / 'forwarder.log'}")

    def _start_socat(self, contender: str, options: list[str], base: int) -> tuple[str, int, int]:
        server = self.net.ip["server"]
        for port, backend in ((base, ECHO_PORT), (base + 1, IPERF_PORT)):
            self._spawn("ambassador", ["socat", *options, f"TCP-LISTEN:{port},fork,reuseaddr", f"TCP:{server}:{backend}"])
        self.ports[contender] = (self.net.ip["ambassador"], base, base + 1)
        self.wait_listening(contender)
        return self.ports[contender]

    def forwarder_memory(self) -> dict[str, int]:
        pid = int(read_stats(str(self.workdir / "stats.json"))["pid"])  # the forwarder, behind nsenter
        status = Path(f"/proc/{pid}/status").read_text()
        return {key: int(re.search(rf"{key}:\s+(\d+)", status).group(1)) for key in ("VmRSS", "VmHWM")}

    def close(self) -> None:
        if self.forwarder is not None:
            stop_forwarder(self.forwarder, timeout=5)
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # -- measurements: each returns {metric: value} --------------------------------------

    def bulk(self, contender: str, settings: dict) -> dict[str, float]:
        host, _, port = self.ports[contender]
        out = {}
        for name, extra in (("bulk_up_gbps", []), ("bulk_down_gbps", ["-R"])):
            for attempt in range(3):  # iperf3's server may still be finishing the last test ("busy")
                result = run_in(self.net, "client", ["iperf3", "-c", host, "-p", str(port), "-J", *settings["bulk"], *extra],
                                capture_output=True, text=True, timeout=60)
                data = json.loads(result.stdout)
                if "error" not in data:
                    break
                time.sleep(0.5)
            else:
                raise RuntimeError(f"iperf3 through {contender}: {data['error']}")
            out[name] = data["end"]["sum_received"]["bits_per_second"] / 1e9
        return out

    def rate(self, contender: str, settings: dict) -> dict[str, float]:
        rate, errors = self._loadgen(contender, "rate", settings["rate_seconds"], 4)
        return {"connections_per_s": rate, "connection_errors": errors}

    def pingpong(self, contender: str, settings: dict) -> dict[str, float]:
        p50, p99 = self._loadgen(contender, "pingpong", settings["pings"], 64)
        return {"pingpong_p50_us": p50, "pingpong_p99_us": p99}

    def connect(self, contender: str, settings: dict) -> dict[str, float]:
        p50, p99 = self._loadgen(contender, "connlat", settings["connects"])
        return {"connect_p50_us": p50, "connect_p99_us": p99}

    def _loadgen(self, contender: str, verb: str, *args: object) -> list[float]:
        host, echo, _ = self.ports[contender]
        command = ["env", f"LOADGEN_ADDR={host}", self.loadgen, verb, str(echo), *map(str, args)]
        result = run_in(self.net, "client", command, capture_output=True, text=True, timeout=120, check=True)
        return [float(word) for word in result.stdout.split()]


def run(smoke: bool = False) -> dict:
    """Measure every contender; the result holds raw samples, summaries, ratios and goals."""
    settings = SMOKE if smoke else FULL
    samples: dict[str, dict[str, list[float]]] = {}
    # SIGTERM (a harness's time budget) must reach the finally: the forwarder runs in a
    # session of its own, so killing our process group would not stop it.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    with tempfile.TemporaryDirectory(prefix="ambassador-bench-") as tmp, Topology() as net:
        bench = Bench(Path(tmp), net)
        try:
            bench.start()
            idle = bench.forwarder_memory()
            measures: list[Callable[[str, dict], dict[str, float]]] = [bench.bulk, bench.rate, bench.pingpong, bench.connect]
            for round_no in range(settings["rounds"]):
                shift = round_no % len(CONTENDERS)
                order = CONTENDERS[shift:] + CONTENDERS[:shift]
                for measure in measures:
                    for contender in order:
                        for metric, value in measure(contender, settings).items():
                            samples.setdefault(metric, {}).setdefault(contender, []).append(value)
            memory = {"idle_rss_kib": idle["VmRSS"], "peak_rss_kib": bench.forwarder_memory()["VmHWM"]}
        finally:
            bench.close()
            signal.signal(signal.SIGTERM, previous)
    summary = summarize(samples)
    return {"smoke": smoke, "rounds": settings["rounds"], "samples": samples, "summary": summary,
            "forwarder_memory": memory, "goals": goals(summary)}


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(143)


def summarize(samples: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, dict[str, float]]]:
    """Median, min–max and ratios of medians; plus paired figures: the median over rounds of
    (contender vs direct in the same round), which cancels most of the drift a shared,
    loaded machine adds between rounds."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for metric, by_contender in samples.items():
        medians = {c: statistics.median(v) for c, v in by_contender.items()}
        direct = by_contender["direct"]
        out[metric] = {
            c: {"median": medians[c], "min": min(v), "max": max(v),
                "vs_direct": _ratio(medians[c], medians["direct"]), "vs_socat": _ratio(medians[c], medians["socat"]),
                "paired_ratio_to_direct": statistics.median(_ratio(x, d) for x, d in zip(v, direct)),
                "paired_added_to_direct": statistics.median(x - d for x, d in zip(v, direct))}
            for c, v in by_contender.items()
        }
    return out


def _ratio(value: float, base: float) -> float:
    return value / base if base else float("nan")


def goals(summary: dict) -> dict[str, dict[str, object]]:
    """The issue's targets: the kernel path against direct, the userspace one against socat."""
    def paired(contender: str, metric: str, key: str = "paired_ratio_to_direct") -> float:
        return summary[metric][contender][key]

    def vs_best_socat(metric: str) -> float:
        return summary[metric]["forwarder"]["median"] / max(summary[metric][s]["median"] for s in ("socat", "socat-b128k"))

    kernel_bulk = min(paired("kernel", "bulk_up_gbps"), paired("kernel", "bulk_down_gbps"))
    user_bulk = min(vs_best_socat("bulk_up_gbps"), vs_best_socat("bulk_down_gbps"))
    checks = {
        "kernel: bulk >= 0.9x direct": (kernel_bulk, 0.9),
        "kernel: connections/s >= 0.9x direct": (paired("kernel", "connections_per_s"), 0.9),
        "kernel: added p50 <= 15 us": (-paired("kernel", "pingpong_p50_us", "paired_added_to_direct"), -15),
        "userspace: bulk >= 1.3x best socat, both directions": (user_bulk, 1.3),
        "userspace: connections/s >= 3x socat": (summary["connections_per_s"]["forwarder"]["vs_socat"], 3.0),
    }
    return {goal: {"measured": round(abs(value), 2), "met": value >= floor} for goal, (value, floor) in checks.items()}


def print_report(result: dict) -> None:
    print(f"ambassador bench ({'smoke, ' if result['smoke'] else ''}{result['rounds']} rounds; median [min-max], ratio to direct / to socat)")
    for metric, by_contender in result["summary"].items():
        print(f"  {metric}")
        for contender in CONTENDERS:
            s = by_contender[contender]
            print(f"    {contender:<12} {s['median']:>10.1f} [{s['min']:.1f}-{s['max']:.1f}]  x{s['vs_direct']:.2f} / x{s['vs_socat']:.2f}"
                  f"  paired to direct: x{s['paired_ratio_to_direct']:.2f}, {s['paired_added_to_direct']:+.1f}")
    memory = result["forwarder_memory"]
    print(f"  forwarder RSS: idle {memory['idle_rss_kib']} KiB, peak {memory['peak_rss_kib']} KiB")
    for goal, outcome in result["goals"].items():
        print(f"  goal {goal}: {outcome['measured']} -> {'met' if outcome['met'] else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one short round (about 10 s)")
    parser.add_argument("--json", metavar="FILE", help="also write the full result as JSON")
    args = parser.parse_args()
    result = run(args.smoke)
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
