"""Crash recovery and parallel use of the bridge plugin (root).

A real `kill -9` of a process in the middle of adds, then gc from another process's
point of view, must leave nothing behind; adds from many threads must not trip over
each other.
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from netplugins import netns
from netplugins.netlink import open_netlink

from test_net_support import TIMEOUT, can_ping, lab  # noqa: F401  (fixtures)

pytestmark = pytest.mark.needs_root

REPO = Path(__file__).resolve().parents[2]

ADDER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[1])
    from netplugins import Attachment, NetworkConfig
    from netplugins.bridge import BridgePlugin
    import pyroute2  # loaded before "ready" so the kill lands inside the adds
    ipam_root, name, project, *namespaces = sys.argv[2:]
    cfg = NetworkConfig(name=name, project=project, key="default")
    plugin = BridgePlugin(__import__("pathlib").Path(ipam_root))
    print("ready", flush=True)
    for ns in namespaces:
        plugin.add(cfg, Attachment(ns, "/run/netns/" + ns, "eth0", name))
    print("done", flush=True)
""")


def our_veths(project: str) -> list[str]:
    with open_netlink() as host:
        return [link.name for link in host.links() if link.kind == "veth" and project in (link.alias or "")]


@pytest.mark.parametrize("delay_ms", [0, 10, 40, 100, 250])
def test_kill_9_during_adds_then_gc_leaves_nothing(lab, delay_ms):
    net = lab.network("default")
    namespaces = [lab.netns(f"k{n}")[0] for n in range(4)]
    proc = subprocess.Popen([sys.executable, "-c", ADDER, str(REPO), str(lab.root / "ipam"), net.name, lab.project, *namespaces],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        threading.Event().wait(delay_ms / 1000 + random.random() / 1000)
    finally:
        proc.kill()
        proc.wait(timeout=TIMEOUT)
    lab.plugin.gc(net, [])
    assert lab.plugin.ipam.leases(net.name) == {}
    assert our_veths(lab.project) == []
    lab.plugin.remove_network(net)  # nothing attached any more


def test_parallel_adds_from_threads(lab):
    net = lab.network("default")
    namespaces = [lab.netns(f"t{n}")[0] for n in range(8)]
    results, errors = {}, []

    def add(ns: str) -> None:
        try:
            results[ns] = lab.attach(net, ns)[1]
        except Exception as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=add, args=(ns,)) for ns in namespaces]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT)
    assert not errors and len({r.ipv4 for r in results.values()}) == 8
    assert can_ping(namespaces[0], results[namespaces[-1]].ipv4)
    assert all(netns.exists(ns) for ns in namespaces)
