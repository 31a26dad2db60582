"""Two Swarm nodes on one machine: a second engine in its own network namespace, joined over
a veth pair as a worker. A service placed on workers runs there, and a task on the manager
reaches it by name over the overlay (VXLAN between the two namespaces). The worker gets
its image by `docker import`, not from a registry (a registry on 127.0.0.1 would be each
node's own loopback)."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.integration.test_swarm_stack import LOOP, compose, inspect, local_container, project_dir, resolves
from tests.support.rootfs import have_busybox
from tests.support.swarm import SwarmEngine

pytestmark = pytest.mark.needs_root


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory):
    if not have_busybox():
        pytest.skip("busybox-static is not installed")
    tag = os.getpid() % 10000
    netns, host_side, node_side = f"cswn{tag}", f"cswh{tag}", f"cswi{tag}"
    subnet = f"10.195.{tag % 250}"
    manager = SwarmEngine(address=f"{subnet}.1")
    worker = SwarmEngine(address=f"{subnet}.2", netns=netns)
    try:
        for command in (["ip", "netns", "add", netns],
                        ["ip", "link", "add", host_side, "type", "veth", "peer", "name", node_side, "netns", netns],
                        ["ip", "addr", "add", f"{subnet}.1/30", "dev", host_side], ["ip", "link", "set", host_side, "up"],
                        ["ip", "-n", netns, "addr", "add", f"{subnet}.2/30", "dev", node_side],
                        ["ip", "-n", netns, "link", "set", node_side, "up"], ["ip", "-n", netns, "link", "set", "lo", "up"]):
            subprocess.run(command, check=True, capture_output=True)
        manager.start()
        worker.start()
        workdir = tmp_path_factory.mktemp("swarm-nodes")
        manager.import_busybox(workdir)
        worker.import_busybox(workdir)
        yield manager, worker, worker.join(manager)
    finally:
        worker.stop()
        manager.stop()
        subprocess.run(["ip", "netns", "delete", netns], capture_output=True)
        subprocess.run(["ip", "link", "delete", host_side], capture_output=True)


def test_a_worker_runs_its_service_and_the_manager_reaches_it(two_nodes, tmp_path):
    manager, worker, worker_id = two_nodes
    directory = project_dir(tmp_path, "swnodes", f"""
services:
  far:
    image: composer-test/busybox:1
    command: ["sh", "-c", "{LOOP}"]
    deploy: {{placement: {{constraints: [node.role == worker]}}}}
  near:
    image: composer-test/busybox:1
    command: ["sh", "-c", "{LOOP}"]
    deploy: {{placement: {{constraints: [node.role == manager]}}}}
    depends_on: [far]
""")
    compose(manager, directory, "up", "-d", "--wait")
    tasks = json_lines(manager.docker("service", "ps", "swnodes_far", "--filter", "desired-state=running", "--format", "{{json .}}").stdout)
    assert [t["Node"] for t in tasks] == [inspect(manager, "node", worker_id)["Description"]["Hostname"]]
    assert worker.docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name=swnodes_far").stdout.strip()
    assert resolves(manager, local_container(manager, "swnodes_near"), "far")  # across the VXLAN
    compose(manager, directory, "down")


def json_lines(text: str) -> list[dict]:
    import json

    return [json.loads(line) for line in text.splitlines() if line.strip()]
