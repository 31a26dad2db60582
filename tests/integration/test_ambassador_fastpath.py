"""The ambassadors' kernel fast path (nftables DNAT in the ambassador's namespace) with real
containers, a real client and real bytes: both paths carry the same bytes, a stopped target
hands new connections back to the userspace listener (which holds them until the target
returns), re-targeting under load resets no established connection, and nothing is left."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time

import pytest

from composer.drivers.runc.keepers import proxy_dir
from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

WEB = (f"  web:\n    image: {BUSYBOX_REF}\n"
       "    command: [sh, -c, 'dd if=/dev/urandom of=/tmp/blob bs=64k count=32 2>/dev/null; exec httpd -f -p 80 -h /tmp']\n")
ECHO = f"  echo:\n    image: {BUSYBOX_REF}\n    command: [nc, -ll, -p, '7', -e, cat]\n"
CLIENT = f"  client:\n    image: {BUSYBOX_REF}\n    command: [sleep, '600']\n"
TWO_PATHS = ("ambassadors:\n  fast: {listen: 'tcp://:8000', target: 'tcp://web:80', retry: 20s}\n"
             "  slow: {listen: 'tcp://:8001', target: 'tcp://web:80', fast_path: 'off'}\n")


def ambassadors(project) -> dict[str, dict]:
    out = project.compose("ps", "--format", "json").stdout
    rows = [json.loads(line) for line in out.splitlines()]
    return {row["Service"]: row["Ambassador"] for row in rows if "Ambassador" in row}


def wait_for_path(project, name: str, path: str, limit: float = 20.0) -> dict:
    deadline = time.monotonic() + limit
    while True:
        found = ambassadors(project).get(name, {})
        if found.get("path") == path or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def in_client(project, command: str) -> str:
    result = project.compose("exec", "-T", "client", "sh", "-c", command, timeout=60)
    return result.stdout.strip() if result.returncode == 0 else f"failed: {result.stderr.strip()}"


def table(project, name: str) -> str:
    netns = f"{project.name}-{name}-amb"
    return subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "table", "ip", "composer_fast"],
                          capture_output=True, text=True, timeout=10).stdout


def test_both_paths_carry_the_same_bytes_and_ps_shows_the_kernel_counters(project):
    project.write(f"services:\n{WEB}{CLIENT}{TWO_PATHS}")
    project.compose("up", "-d", check=True)
    assert wait_for_path(project, "fast", "kernel")["path"] == "kernel"
    web_ip = project.compose("exec", "-T", "web", "hostname", "-i").stdout.split()[0]
    assert f"dnat to {web_ip}:80" in table(project, "fast")
    assert table(project, "slow") == ""  # fast_path: off installs nothing
    original = project.compose("exec", "-T", "web", "md5sum", "/tmp/blob").stdout.split()[0]
    for port in (8000, 8001):
        host = "fast" if port == 8000 else "slow"
        assert in_client(project, f"wget -qO- http://{host}:{port}/blob | md5sum").split()[0] == original
    deadline = time.monotonic() + 10  # the forwarder writes its stats once a second
    while ambassadors(project)["slow"]["bytes_out"] < 2 << 20 and time.monotonic() < deadline:
        time.sleep(0.2)
    stats = ambassadors(project)
    assert stats["fast"]["kernel"]["connections"] >= 1 and stats["fast"]["kernel"]["bytes"] >= 2 << 20
    assert stats["fast"]["total"] == 0  # the userspace forwarder never saw it
    assert stats["slow"]["path"] == "userspace" and stats["slow"]["total"] >= 1 and stats["slow"]["bytes_out"] >= 2 << 20
    assert "kernel path" in project.compose("ps").stdout


def test_a_stopped_target_hands_new_connections_to_the_listener_until_it_returns(project):
    project.write(f"services:\n{WEB}{CLIENT}{TWO_PATHS}")
    project.compose("up", "-d", check=True)
    assert wait_for_path(project, "fast", "kernel")["path"] == "kernel"
    project.compose("stop", "-t", "1", "web", check=True)
    assert wait_for_path(project, "fast", "userspace")["path"] == "userspace"
    assert "dnat to" not in table(project, "fast")
    got: list[str] = []
    waiting = threading.Thread(target=lambda: got.append(in_client(project, "wget -qO- http://fast:8000/blob | wc -c")))
    waiting.start()  # held by the listener (retry: 20s) while web is down
    deadline = time.monotonic() + 10
    while ambassadors(project)["fast"]["active"] < 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ambassadors(project)["fast"]["active"] == 1
    project.compose("start", "web", check=True)
    waiting.join(60)
    assert got == [str(2 << 20)]
    assert wait_for_path(project, "fast", "kernel")["path"] == "kernel"


def test_re_targeting_under_load_resets_no_established_connection(project):
    project.write(f"services:\n{ECHO}ambassadors:\n  relay: {{listen: 'tcp://:7000', target: 'tcp://echo:7'}}\n")
    project.compose("up", "-d", check=True)
    assert wait_for_path(project, "relay", "kernel")["path"] == "kernel"
    address = _address(f"{project.name}-relay-amb")
    clients = [socket.create_connection((address, 7000), timeout=10) for _ in range(6)]
    errors: list[str] = []
    rounds = [0] * len(clients)
    stop = threading.Event()

    def talk(i: int) -> None:  # bounded: one echo per 10 ms, at most 6,000, until told to stop
        sock = clients[i]
        try:
            while not stop.wait(0.01) and rounds[i] < 6000:
                message = f"{i}:{rounds[i]}\n".encode()
                sock.sendall(message)
                got = b""
                while len(got) < len(message):
                    chunk = sock.recv(len(message) - len(got))
                    if not chunk:
                        raise ConnectionError("closed")
                    got += chunk
                assert got == message
                rounds[i] += 1
        except (OSError, AssertionError) as exc:
            errors.append(f"connection {i}: {exc!r}")

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    before = table(project, "relay")
    project.compose("up", "-d", "--scale", "echo=2", check=True)  # a second target: the rule is rewritten
    deadline = time.monotonic() + 20
    while "numgen inc mod 2" not in table(project, "relay") and time.monotonic() < deadline:
        time.sleep(0.2)
    after = table(project, "relay")
    mark = list(rounds)
    while min(r - m for r, m in zip(rounds, mark)) < 5 and not errors and time.monotonic() < deadline + 20:
        time.sleep(0.05)  # every connection keeps echoing after the new rule
    stop.set()
    for thread in threads:
        thread.join(30)
    for sock in clients:
        sock.close()
    assert "numgen inc mod 2" in after and "numgen" not in before
    assert errors == []
    assert min(r - m for r, m in zip(rounds, mark)) >= 5


def test_the_rules_go_with_down_even_after_kill_9_of_the_forwarder_and_its_keeper(project):
    project.write(f"services:\n{WEB}{TWO_PATHS}")
    project.compose("up", "-d", check=True)
    assert wait_for_path(project, "fast", "kernel")["path"] == "kernel"
    pids = subprocess.run(["ip", "netns", "pids", f"{project.name}-fast-amb"], capture_output=True, text=True).stdout.split()
    keeper = (proxy_dir(project.name, "fast") / "keeper.pid").read_text()
    for pid in {*pids, keeper.strip()}:
        subprocess.run(["kill", "-9", pid])
    assert "dnat to" in table(project, "fast")  # a forwarder killed -9 cannot clean up: the rule lives in its namespace
    project.compose("down", "-t", "1", check=True)
    assert table(project, "fast") == ""
    assert f"{project.name}-fast-amb" not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    host = subprocess.run(["nft", "list", "table", "ip", "composer_fast"], capture_output=True, text=True)
    assert host.returncode != 0  # never in the host's namespace


def _address(netns: str) -> str:
    out = subprocess.run(["ip", "-n", netns, "-4", "-j", "addr", "show"], capture_output=True, text=True, check=True).stdout
    return next(a["local"] for link in json.loads(out) for a in link["addr_info"] if not a["local"].startswith("127."))


def test_an_ambassador_on_two_networks_forwards_its_port_and_routes_nothing_else(project):
    web = WEB.replace("    command:", "    networks: [back]\n    command:")
    client = CLIENT + "    networks: [front]\n    cap_add: [NET_ADMIN]\n"
    project.write(f"services:\n{web}{client}networks:\n  front: {{}}\n  back: {{}}\n"
                  "ambassadors:\n  gate: {listen: 'tcp://:8000', target: 'tcp://web:80', networks: [front, back]}\n")
    project.compose("up", "-d", check=True)
    assert wait_for_path(project, "gate", "kernel")["path"] == "kernel"
    web_ip = project.compose("exec", "-T", "web", "hostname", "-i").stdout.split()[0]
    client_ip = project.compose("exec", "-T", "client", "hostname", "-i").stdout.split()[0]
    out = subprocess.run(["ip", "-n", f"{project.name}-gate-amb", "-4", "-j", "addr", "show"], capture_output=True, text=True, check=True).stdout
    gate_front = next(a["local"] for link in json.loads(out) for a in link["addr_info"]
                      if a["local"].rsplit(".", 1)[0] == client_ip.rsplit(".", 1)[0])
    assert in_client(project, "wget -qO- http://gate:8000/blob | wc -c") == str(2 << 20)
    assert in_client(project, f"ip route add {web_ip}/32 via {gate_front}") == ""
    assert in_client(project, f"wget -T 3 -qO- http://{web_ip}/blob | wc -c") == "0"
    assert re.search(r"ct status dnat accept\n.*ct state related accept\n.*counter packets \d+ bytes \d+ drop", table(project, "gate"))
