#!/usr/bin/env python3
"""Soaks: memory, descriptors and disk stay flat however long composer's processes work.

    python3 bench/soak.py logs [--bytes 5G]                  (root: a real container)
    python3 bench/soak.py ambassador [--connections 1000000] [--bulk 4G]

logs        a busybox container prints without pause through --bytes of 80-byte lines into
            json-file (max-size 20m, max-file 3): its supervisor's RSS when printing starts
            and after the last line is written, the peak, and the disk the log files take.
ambassador  a forwarder (what each ambassador runs) between the C load generator of
            ambassador_bench.py and its echo server: --connections short connections
            (16 bytes each way), then --bulk through iperf3; its RSS and open descriptors
            after a warm-up and at the end.
Prints one JSON object of figures. tests/integration/test_soaks.py runs both at CI sizes
and asserts the limits (RSS growth ≤ 5 MiB, no descriptor growth, disk ≤ max-size×max-file).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MIB = 1024 * 1024
LINE = "soak 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"  # + \n: 80 bytes


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


# --- logs ------------------------------------------------------------------------------


def log_soak(workdir: Path, image: str, total_bytes: int, max_size_mb: int = 20, max_file: int = 3) -> dict:
    """One container printing total_bytes; composer's roots are the environment's."""
    from composer.drivers.runc.driver import RuncDriver
    from composer.runtime.layout import ContainerPaths

    name = f"soak{secrets.token_hex(3)}"
    project_dir = workdir / name
    project_dir.mkdir(parents=True)
    (project_dir / "compose.yaml").write_text(f"""
services:
  talk:
    image: {image}
    network_mode: none
    command: ["sh", "-c", "sleep 1; yes '{LINE}' | head -c {total_bytes}; echo soak-done; exec sleep 3600"]
    logging: {{driver: json-file, options: {{max-size: {max_size_mb}m, max-file: "{max_file}"}}}}
""")
    compose = [sys.executable, "-m", "composer", "-p", name]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    try:
        subprocess.run([*compose, "up", "-d"], cwd=project_dir, env=env, check=True, capture_output=True, timeout=120)
        container = f"{name}-talk-1"
        supervisor = next(s for s in RuncDriver().containers(name) if s.name == container).supervisor_pid
        log_dir = ContainerPaths.for_name(container).data_dir
        before, started = rss_kib(supervisor), time.monotonic()
        peak, deadline = before, started + 60 + total_bytes / (2 * MIB)  # bounded: ≥ 2 MiB/s or it is a failure
        while not _says_done(log_dir):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the container did not finish printing within {deadline - started:.0f}s")
            peak = max(peak, rss_kib(supervisor))
            time.sleep(0.5)
        elapsed = time.monotonic() - started - 1  # its first second is the sleep
        after = rss_kib(supervisor)
        disk = sum(p.stat().st_size for p in log_dir.glob("*.log*"))
        return {"bytes": total_bytes, "seconds": round(elapsed, 1), "mib_per_s": round(total_bytes / MIB / elapsed, 1),
                "rss_before_kib": before, "rss_after_kib": after, "rss_peak_kib": peak,
                "rss_growth_kib": after - before, "disk_bytes": disk, "disk_limit_bytes": max_size_mb * MIB * max_file}
    finally:
        subprocess.run([*compose, "down", "-v", "-t", "1"], cwd=project_dir, env=env, capture_output=True, timeout=120)


def _says_done(log_dir: Path) -> bool:
    current = sorted(log_dir.glob("*.log"))
    if not current:
        return False
    with open(current[0], "rb") as handle:
        handle.seek(max(0, os.fstat(handle.fileno()).st_size - 4096))
        return b"soak-done" in handle.read()


# --- ambassador --------------------------------------------------------------------------


def ambassador_soak(workdir: Path, connections: int, bulk_bytes: int) -> dict:
    """The userspace forwarder (fast_path: off) in the ambassador bench's namespaces: short
    connections, then one long bulk transfer; its descriptors and RSS before and after."""
    from bench.ambassador_bench import Bench
    from bench.ambassador_topology import Topology, run_in
    from netplugins.forwarder.api import read_stats

    with Topology() as net:
        bench = Bench(workdir, net)
        try:
            bench.start()
            pid = int(read_stats(str(workdir / "stats.json"))["pid"])  # the forwarder, behind nsenter
            host, _, bulk = bench.ports["forwarder"]
            done, errors = _connect_many(bench, 20_000)  # warm-up: buffers and caches settle
            before = {"rss_kib": rss_kib(pid), "fds": open_fds(pid)}
            started = time.monotonic()
            done = errors = 0
            while done < connections:
                rate, failed = bench._loadgen("forwarder", "rate", 2.0, 4)
                done, errors = done + int(rate * 2.0), errors + int(failed)
            short_seconds = time.monotonic() - started
            result = run_in(net, "client", ["iperf3", "-c", host, "-p", str(bulk), "-J", "-n", str(bulk_bytes)],
                            capture_output=True, text=True, timeout=600, check=True)
            received = json.loads(result.stdout)["end"]["sum_received"]
            time.sleep(1)  # closed connections leave the forwarder's tables
            after = {"rss_kib": rss_kib(pid), "fds": open_fds(pid)}
        finally:
            bench.close()
    return {"connections": done, "connection_errors": errors, "connections_per_s": round(done / short_seconds),
            "bulk_bytes": int(received["bytes"]), "bulk_gbps": round(received["bits_per_second"] / 1e9, 2),
            "rss_before_kib": before["rss_kib"], "rss_after_kib": after["rss_kib"],
            "rss_growth_kib": after["rss_kib"] - before["rss_kib"], "fds_before": before["fds"], "fds_after": after["fds"]}


def _connect_many(bench, count: int) -> tuple[int, int]:
    seconds = max(0.5, count / 10_000)
    rate, failed = bench._loadgen("forwarder", "rate", seconds, 4)
    return int(rate * seconds), int(failed)


# --- command line --------------------------------------------------------------------------


def size(text: str) -> int:
    units = {"K": 1024, "M": MIB, "G": 1024 * MIB}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1].upper() in units else int(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="soak", required=True)
    logs = sub.add_parser("logs")
    logs.add_argument("--bytes", type=size, default=size("5G"))
    amb = sub.add_parser("ambassador")
    amb.add_argument("--connections", type=int, default=1_000_000)
    amb.add_argument("--bulk", type=size, default=size("4G"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-", dir="/tmp") as work:
        workdir = Path(work)
        if args.soak == "ambassador":
            figures = ambassador_soak(workdir, args.connections, args.bulk)
        else:
            os.environ["COMPOSER_ROOT"], os.environ["COMPOSER_RUN"] = str(workdir / "root"), str(workdir / "run")
            from composer.images import ImageStore
            from tests.support.images import busybox_image

            figures = log_soak(workdir, busybox_image(ImageStore()), args.bytes)
    print(json.dumps({args.soak: figures}, indent=1))


if __name__ == "__main__":
    main()
