"""The floor for `up -d` of N services on this machine: what it costs to start N containers
with no orchestration at all (root).

    python3 bench/floor_bench.py [N ...] [--rounds R]     (default: 1 10 50, 5 rounds)

Per container, in parallel (one thread each, as many as containers): a network namespace,
a veth on one bridge network with an address (netplugins' BridgePlugin, the netlink code
`up` uses), then `runc create` and `runc start` of a busybox sleeper with the config.json
composer would write for it (runtime/oci.py: Docker's defaults and seccomp; the rootfs is
a shared read-only directory, so no overlay mount). Timed from the first step to the last
`runc start` returning; building the config files, the bridge and the teardown are not.
Prints one JSON line: {"N": {"median_ms", "min_ms", "max_ms", "samples"}}.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from composer.runtime import ContainerSpec, LogConfig  # noqa: E402
from composer.runtime.capabilities import DOCKER_DEFAULT_CAPABILITIES  # noqa: E402
from composer.runtime.oci import build_oci_config  # noqa: E402
from composer.runtime.seccomp import DEFAULT_PROFILE, seccomp_for  # noqa: E402
from netplugins import Attachment, NetworkConfig, netns  # noqa: E402
from netplugins.bridge import BridgePlugin  # noqa: E402
from tests.support.rootfs import make_busybox_rootfs  # noqa: E402

SLEEPER = ("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait")


class Floor:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.rootfs = make_busybox_rootfs(work / "busybox")
        self.runc = [shutil.which("runc") or "runc", "--root", str(work / "runc")]
        self.plugin = BridgePlugin(work / "ipam")
        project = f"fl{secrets.token_hex(2)}"
        self.cfg = NetworkConfig(name=f"{project}_default", project=project, key="default")
        self.project = project
        caps = list(DOCKER_DEFAULT_CAPABILITIES)
        self.seccomp = seccomp_for(DEFAULT_PROFILE, caps) if os.path.exists(DEFAULT_PROFILE) else None

    def bundles(self, count: int, round_no: int) -> list[tuple[str, Path]]:
        """The config.json files, made before the clock starts."""
        out = []
        for i in range(count):
            name = f"{self.project}-n{count}r{round_no}-{i}"
            spec = ContainerSpec(name, self.project, "floor", SLEEPER, (str(self.rootfs),), log=LogConfig("none"),
                                 stop_grace=1, netns=str(netns.netns_path(name)))
            config = build_oci_config(spec, str(self.rootfs), seccomp=self.seccomp)
            config["root"]["readonly"] = True  # one shared busybox directory
            config["process"]["terminal"] = False
            bundle = self.work / "bundles" / name
            bundle.mkdir(parents=True)
            (bundle / "config.json").write_text(json.dumps(config))
            out.append((name, bundle))
        return out

    def start_one(self, name: str, bundle: Path) -> None:
        path = netns.create(name)
        self.plugin.add(self.cfg, Attachment(name, str(path), "eth0", self.cfg.name))
        quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}  # the container inherits these: a pipe would never close
        subprocess.run([*self.runc, "create", "--bundle", str(bundle), "--pid-file", str(bundle / "pid"), name], **quiet)
        subprocess.run([*self.runc, "start", name], **quiet)

    def remove(self, names: list[str]) -> None:
        for name in names:
            subprocess.run([*self.runc, "delete", "--force", name], capture_output=True)
            netns.delete(name)
        self.plugin.gc(self.cfg, ())

    def measure(self, count: int, round_no: int) -> float:
        bundles = self.bundles(count, round_no)
        try:
            with ThreadPoolExecutor(max_workers=count) as pool:
                started = time.perf_counter()
                list(pool.map(lambda item: self.start_one(*item), bundles))
                return (time.perf_counter() - started) * 1000
        finally:
            self.remove([name for name, _ in bundles])

    def close(self) -> None:
        self.plugin.gc(self.cfg, ())
        self.plugin.remove_network(self.cfg)


def run(counts: list[int], rounds: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="floor-", dir="/tmp"))
    floor = Floor(work)
    samples: dict[int, list[float]] = {n: [] for n in counts}
    try:
        floor.plugin.ensure_network(floor.cfg)
        for round_no in range(rounds):
            for count in counts:
                samples[count].append(floor.measure(count, round_no))
    finally:
        floor.close()
        shutil.rmtree(work, ignore_errors=True)
    return {str(n): {"median_ms": round(statistics.median(v), 1), "min_ms": round(min(v), 1), "max_ms": round(max(v), 1),
                     "samples": [round(x, 1) for x in v]} for n, v in samples.items()}


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a time budget's SIGTERM still cleans up
    rounds = 5
    if "--rounds" in argv:
        at = argv.index("--rounds")
        rounds = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2:]
    counts = [int(a) for a in argv] or [1, 10, 50]
    print(json.dumps(run(counts, rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
