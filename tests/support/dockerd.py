"""A stock Docker engine beside composer, as on a host where Docker runs.

Debian's docker.io with its own network defaults (iptables on, docker0, br_netfilter on)
but a private socket, data root, exec root and pidfile (bench's DockerEngine), so it
shares no state with any other engine. Docker sets the filter FORWARD policy to DROP when
it is the one that turns forwarding on (and Docker 23+ always does); forwarding is often
on already here, so start() then sets that policy itself, to stand for every such host.

clean_up() is the engine's own stop, then what dockerd leaves behind on purpose: docker0,
its iptables chains and rules, the FORWARD policy (put back as it was), a data-root mount
of an engine that died.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.anchors.engine import DockerEngine


class StockDockerd(DockerEngine):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory)
        self.forward_policy_before = forward_policy()

    def _flags(self) -> list[str]:
        return self._private_flags()

    def start(self) -> None:
        super().start()
        subprocess.run(["iptables", "-P", "FORWARD", "DROP"], check=True)  # see the module's docstring

    def restart(self) -> None:
        """As `systemctl restart docker`: dockerd re-inserts its chains at the top of FORWARD."""
        self.stop()
        self.start()

    def clean_up(self) -> None:
        self.stop()
        subprocess.run(["ip", "link", "del", "docker0"], capture_output=True)
        for table in ("filter", "nat"):
            remove_docker_rules(table)
        subprocess.run(["iptables", "-P", "FORWARD", self.forward_policy_before], check=True)
        for mountpoint in mounts_under(self.dir):
            subprocess.run(["umount", "-l", mountpoint], capture_output=True)
        subprocess.run(["rm", "-rf", str(self.dir)], capture_output=True)


def remove_docker_rules(table: str) -> None:
    """Delete dockerd's rules and chains only (others' rules, e.g. another run's composer
    networks, stay as they are): the rules first, then the emptied chains, as two batches."""
    rules = subprocess.run(["iptables", "-t", table, "-S"], capture_output=True, text=True).stdout.splitlines()
    ours = [line for line in rules if "docker" in line.lower()]
    chains = [line.split()[1] for line in ours if line.startswith("-N ")]
    unlink = [f"-D{line[2:]}" for line in ours if line.startswith("-A ") and line.split()[1] not in chains]
    for batch in (unlink + [f"-F {chain}" for chain in chains], [f"-X {chain}" for chain in chains]):
        if batch:
            script = "\n".join([f"*{table}", *batch, "COMMIT"]) + "\n"
            subprocess.run(["iptables-restore", "--noflush"], input=script, text=True, check=True)


def mounts_under(directory: Path) -> list[str]:
    with open("/proc/self/mountinfo") as handle:
        points = [line.split()[4] for line in handle]
    return sorted((p for p in points if p == str(directory) or p.startswith(f"{directory}/")), reverse=True)


def forward_policy() -> str:
    out = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
    return next((line.split()[2] for line in out.splitlines() if line.startswith("-P FORWARD")), "ACCEPT")
