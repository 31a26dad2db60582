"""Docker's cost of putting one container on a bridge network, on the private engine.

`docker start` of a container on a compose-like bridge network, minus `docker start` of
the same container with --network none (which still gets a namespace with loopback):
what is left is libnetwork's endpoint join (veth pair, address, routes, sandbox config).
"""

from __future__ import annotations

import statistics
import time

from bench.anchors.engine import DockerEngine
from bench.anchors.layout import BRIDGE_PREFIX, IMAGE_REF, PROJECT_PREFIX

NETWORK = f"{PROJECT_PREFIX}-net"
SLEEPER = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def create_network(engine: DockerEngine) -> str:
    engine.docker("network", "create", "-o", f"com.docker.network.bridge.name={BRIDGE_PREFIX}net", NETWORK)
    return NETWORK


def remove_network(engine: DockerEngine) -> None:
    engine.docker("network", "rm", NETWORK, check=False)


def measure_round(engine: DockerEngine, pairs: int) -> float:
    """Median over `pairs` of (start on the bridge − start with no network), in seconds."""
    differences = []
    for _ in range(pairs):
        differences.append(_start_time(engine, NETWORK) - _start_time(engine, "none"))
    return statistics.median(differences)


def _start_time(engine: DockerEngine, network: str) -> float:
    container = engine.docker("create", "--network", network, IMAGE_REF, *SLEEPER).stdout.strip()
    try:
        started = time.perf_counter()
        engine.docker("start", container)
        return time.perf_counter() - started
    finally:
        engine.docker("rm", "-f", container, check=False)
