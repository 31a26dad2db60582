"""composer's networks on a host where Docker runs: FORWARD policy DROP and br_netfilter.

A stock dockerd (tests/support/dockerd.py) is started before the project is up, after it
is up, and restarted while it is up; each time the stack must keep working from inside the
containers: names resolve and answer on a shared network (even between two ports of one
bridge, which br_netfilter sends through FORWARD), a container on two networks reaches
both, another network stays out of reach, a published port answers on the host, traffic
leaves the host (to a netns standing for the world), and an internal network stays
internal. After `down` nothing of ours is left in the firewall.
"""

from __future__ import annotations

import secrets
import socket
import tempfile
import subprocess
import time
from pathlib import Path

import pytest

from netplugins import forward_accept
from tests.integration.test_up_networks import fetch, http_service
from tests.support.dockerd import StockDockerd

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

FRONT = "    networks: [front]\n"
BOTH = "    networks: [front, back]\n"
BACK = "    networks: [back]\n"
HIDDEN = "    networks: [hidden]\n"


def stack(port: int) -> str:
    return ("services:\n"
            + http_service("web", "web-page", FRONT, f"    ports: ['{port}:80']\n")
            + http_service("app", "app-page", BOTH)
            + http_service("db", "db-page", BACK)
            + http_service("vault", "vault-page", HIDDEN)
            + "networks:\n  front: {}\n  back: {}\n  hidden:\n    internal: true\n")


class World:
    """A netns beyond the host, 198.18.x.2, reached through a veth: egress is forwarded."""

    def __init__(self) -> None:
        token = secrets.token_hex(2)
        self.ns, self.link = f"ntw{token}", f"ntw{token}"
        third = secrets.randbelow(250) + 1
        self.address, host_address = f"198.18.{third}.2", f"198.18.{third}.1"
        run("ip", "netns", "add", self.ns)
        run("ip", "link", "add", self.link, "type", "veth", "peer", "name", "eth0", "netns", self.ns)
        run("ip", "addr", "add", f"{host_address}/30", "dev", self.link)
        run("ip", "link", "set", self.link, "up")
        run("ip", "-n", self.ns, "addr", "add", f"{self.address}/30", "dev", "eth0")
        run("ip", "-n", self.ns, "link", "set", "eth0", "up")

    def remove(self) -> None:
        subprocess.run(["ip", "link", "del", self.link], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)


def run(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def dockerd():
    # A short path: containerd's socket lives under the exec root (108-byte limit).
    engine = StockDockerd(Path(tempfile.mkdtemp(prefix="cdk-", dir="/tmp")))
    yield engine
    engine.clean_up()


@pytest.fixture
def world():
    outside = World()
    yield outside
    outside.remove()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def published_answers(port: int) -> bool:
    for _ in range(40):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
                if b"web-page" in conn.recv(4096):
                    return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


def pings(project, service: str, address: str) -> bool:
    result = project.compose("exec", "-T", service, "ping", "-c1", "-W2", address, timeout=30)
    return result.returncode == 0


def assert_stack_works(project, port: int, world: World) -> None:
    assert fetch(project, "web", "http://app/").stdout.strip() == "app-page"  # two ports of one bridge
    assert fetch(project, "app", "http://web/").stdout.strip() == "web-page"  # on two networks: both
    assert fetch(project, "app", "http://db/").stdout.strip() == "db-page"
    db_ip = project.compose("exec", "-T", "db", "hostname", "-i").stdout.split()[0]
    assert fetch(project, "web", f"http://{db_ip}/", attempts=1).returncode != 0  # another bridge: isolated
    assert published_answers(port)
    assert pings(project, "app", world.address)  # egress, masqueraded
    assert not pings(project, "vault", world.address)  # internal stays internal


def bridges_of(project_name: str) -> set[str]:
    """The project's bridges, by the alias composer gives them ("composer <project> <network>")."""
    out = subprocess.run(["ip", "-o", "link", "show", "type", "bridge"], capture_output=True, text=True).stdout
    return {line.split(": ")[1].split("@")[0] for line in out.splitlines() if f"alias composer {project_name} " in line}


def assert_firewall_has_nothing_of(bridges: set[str]) -> None:
    saved = subprocess.run(["iptables-save", "-t", "filter"], capture_output=True, text=True).stdout
    assert not [b for b in bridges if f"COMPOSER-BR-{b}" in saved], saved
    assert not bridges & forward_accept.bridges_with_rules()


def test_stack_works_on_a_host_where_docker_started_first(project, dockerd, world):
    dockerd.start()
    assert "-P FORWARD DROP" in subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
    assert Path("/proc/sys/net/bridge/bridge-nf-call-iptables").read_text().strip() == "1"
    port = free_port()
    project.write(stack(port))
    assert project.compose("up", "-d").returncode == 0
    assert_stack_works(project, port, world)
    bridges = bridges_of(project.name)
    assert len(bridges) == 3 and bridges <= forward_accept.bridges_with_rules()
    assert project.compose("down", "-t", "1").returncode == 0
    assert_firewall_has_nothing_of(bridges)


def test_stack_keeps_working_when_docker_starts_later_and_restarts(project, dockerd, world):
    port = free_port()
    project.write(stack(port))
    assert project.compose("up", "-d").returncode == 0
    assert_stack_works(project, port, world)
    dockerd.start()  # its chains go on top of FORWARD, its policy drops
    assert_stack_works(project, port, world)
    dockerd.restart()  # and again, above ours
    assert_stack_works(project, port, world)
    bridges = bridges_of(project.name)
    assert len(bridges) == 3 and bridges <= forward_accept.bridges_with_rules()
    assert project.compose("down", "-t", "1").returncode == 0
    assert_firewall_has_nothing_of(bridges)
