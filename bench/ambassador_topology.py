"""Three network namespaces on one of our bridge networks, as composer lays them out:
a client, an ambassador and a server, each with its veth and address (netplugins'
BridgePlugin, the same code `up` uses). The ambassador bench runs every contender here, so
"direct" is client → server over the bridge, and each proxy sits in the ambassador's
namespace as composer's forwarder does.

    with Topology() as net:
        net.run("client", [...]); net.spawn("server", [...]); net.ip["server"]
"""

from __future__ import annotations

import secrets
import subprocess
import tempfile
from pathlib import Path

from netplugins import Attachment, NetworkConfig, netns
from netplugins.bridge import BridgePlugin

ROLES = ("client", "ambassador", "server")


class Topology:
    def __init__(self) -> None:
        self.project = f"ab{secrets.token_hex(3)}"
        self.cfg = NetworkConfig(name=f"{self.project}_default", project=self.project, key="default")
        self._tmp = tempfile.TemporaryDirectory(prefix="amb-topo-")
        self.plugin = BridgePlugin(Path(self._tmp.name) / "ipam")
        self.names = {role: f"{self.project}-{role}" for role in ROLES}
        self.ip: dict[str, str] = {}

    def __enter__(self) -> Topology:
        try:
            self.plugin.ensure_network(self.cfg)
            for role, name in self.names.items():
                result = self.plugin.add(self.cfg, Attachment(name, str(netns.create(name)), "eth0", self.cfg.name))
                self.ip[role] = result.ipv4
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def prefix(self, role: str) -> list[str]:
        """The command prefix that runs a program inside role's namespace."""
        return ["ip", "netns", "exec", self.names[role]]

    def netns_path(self, role: str) -> str:
        return f"/run/netns/{self.names[role]}"

    def close(self) -> None:
        try:
            self.plugin.gc(self.cfg, ())
        finally:
            for name in self.names.values():
                netns.delete(name)
            self.plugin.remove_network(self.cfg)
            self._tmp.cleanup()


def run_in(topology: Topology, role: str, command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*topology.prefix(role), *command], **kwargs)
