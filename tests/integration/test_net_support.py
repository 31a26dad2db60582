"""Shared fixtures for the network plugin tests: a `lab` that owns what one test makes.

Every name carries a random 4-hex token (project "nt<token>"), so parallel runs never meet.
The lab's finalizer removes networks, namespaces and helper links even when the test
failed, then fails the test if anything of its own is left: links, netns, nft chains,
IPAM files.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from netplugins import AttachResult, Attachment, NetworkConfig
from netplugins import firewall, forward_accept, netns
from netplugins.bridge import BridgePlugin
from netplugins.netlink import open_netlink

TIMEOUT = 10


def run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, timeout=TIMEOUT, check=check)


def ns_exec(ns: str, *cmd: str) -> subprocess.CompletedProcess:
    return run("ip", "netns", "exec", ns, *cmd, check=False)


def can_ping(ns: str, address: str) -> bool:
    return ns_exec(ns, "/bin/busybox", "ping", "-c1", "-W1", address).returncode == 0


def wait_until(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


class Lab:
    def __init__(self, root: Path) -> None:
        self.token = secrets.token_hex(2)
        self.project = f"nt{self.token}"
        self.root = root
        self.plugin = BridgePlugin(root / "ipam")
        self.networks: list[NetworkConfig] = []
        self.bridges: set[str] = set()
        self.veths: set[str] = set()
        self.namespaces: list[str] = []
        self.helper_links: list[str] = []

    def config(self, key: str, project: str | None = None, **options) -> NetworkConfig:
        project = project or self.project
        cfg = NetworkConfig(name=f"{project}_{key}", project=project, key=key, **options)
        self.networks.append(cfg)
        return cfg

    def network(self, key: str, project: str | None = None, **options) -> NetworkConfig:
        cfg = self.config(key, project, **options)
        state = self.plugin.ensure_network(cfg)
        self.bridges.add(state.bridge)
        return cfg

    def netns(self, name: str) -> tuple[str, str]:
        full = f"{self.project}-{name}"
        self.namespaces.append(full)
        return full, str(netns.create(full))

    def attach(self, cfg: NetworkConfig, ns: str, ifname: str = "eth0", **options) -> tuple[Attachment, AttachResult]:
        att = Attachment(ns, str(netns.netns_path(ns)), ifname, cfg.name, **options)
        result = self.plugin.add(cfg, att)
        self.veths.add(result.host_ifname)
        return att, result

    def helper_link(self, name: str) -> str:
        self.helper_links.append(name)
        return name

    def cleanup(self) -> list[str]:
        errors = []
        for cfg in reversed(self.networks):
            for step in (lambda: self.plugin.gc(cfg, ()), lambda: self.plugin.remove_network(cfg)):
                try:
                    step()
                except Exception as err:  # keep cleaning; reported by the fixture
                    errors.append(f"{cfg.name}: {err}")
        for name in self.namespaces:
            netns.delete(name)
        for link in self.helper_links:
            run("ip", "link", "del", link, check=False)
        return errors

    def leftovers(self) -> list[str]:
        def ours() -> list[str]:
            with open_netlink() as host:
                return [link.name for link in host.links()
                        if link.name in self.bridges | self.veths | set(self.helper_links) or self.project in (link.alias or "")]

        wait_until(lambda: not ours())  # veths of a deleted netns go away asynchronously
        found = [f"link {name}" for name in ours()]
        found += [f"netns {name}" for name in netns.list_names(self.project)]
        found += [f"nft chains of {name}" for name in firewall.bridges_with_rules() & self.bridges]
        found += [f"iptables chains of {name}" for name in forward_accept.bridges_with_rules() & self.bridges]
        ipam = self.root / "ipam"
        found += [f"ipam {p.relative_to(ipam)}" for p in ipam.rglob("*") if p.is_file() and p.name != "lock"]
        return found


@pytest.fixture
def lab(tmp_path: Path):
    lab = Lab(tmp_path)
    try:
        yield lab
    finally:
        errors = lab.cleanup()
        left = lab.leftovers()
        assert not errors and not left, f"cleanup errors {errors}, left behind {left}"


@dataclass(frozen=True)
class Outside:
    ns: str
    address: str  # 198.18.x.2, in ns
    host_address: str  # 198.18.x.1, the host's end

    def route_back(self, subnet: str) -> None:
        """Let the outside answer a container subnet directly (no NAT needed any more)."""
        run("ip", "-n", self.ns, "route", "add", subnet, "via", self.host_address)


@pytest.fixture
def outside(lab: Lab) -> Outside:
    """A netns standing for "the world beyond the host": 198.18.x.2/30, reached via the host's .1.

    It has no route back to container subnets, so it answers a container only when the
    host masquerades the container's traffic (unless a test adds one with route_back).
    """
    name, _ = lab.netns("outside")
    host_end = lab.helper_link(f"nto{lab.token}")
    third = secrets.randbelow(250) + 1
    run("ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", name)
    run("ip", "addr", "add", f"198.18.{third}.1/30", "dev", host_end)
    run("ip", "link", "set", host_end, "up")
    run("ip", "-n", name, "addr", "add", f"198.18.{third}.2/30", "dev", "eth0")
    run("ip", "-n", name, "link", "set", "eth0", "up")
    return Outside(name, f"198.18.{third}.2", f"198.18.{third}.1")
