"""A single-node Docker Swarm on a private engine (bench's DockerEngine: its own socket,
data root and exec root in a short /tmp dir, no iptables, no docker0) for the swarm
driver's tests.

What Swarm adds on the host, made unique here and removed in stop(): the
`docker_gwbridge` network's bridge (named cswgw-<dir suffix>, made before `swarm init`
as Docker documents, so two runs never share one), overlay namespaces under the exec
root (unmounted), and address pools away from the other engines' 10.199/16.
"""

from __future__ import annotations

import json
import random
import socket
import subprocess
import tempfile
from pathlib import Path

from bench.anchors.engine import DOCKERD, DockerEngine, ensure_docker_installed
from tests.support.dockerd import mounts_under

IMAGE = "composer-test/busybox:1"


class SwarmEngine(DockerEngine):
    """A manager (advertising `address`), or with `netns` an engine in that network
    namespace (its own loopback and ports: a second node) that join() makes a worker."""

    def __init__(self, address: str = "127.0.0.1", netns: str | None = None) -> None:
        super().__init__(Path(tempfile.mkdtemp(prefix="csw", dir="/tmp")))  # short: containerd's socket path
        self.gateway_bridge = f"cswgw{self.dir.name[-8:]}"[:15]
        self.address = address
        self.netns = netns
        self.data_path_port = 0

    def _flags(self) -> list[str]:
        flags = super()._flags()
        flags[flags.index("--default-address-pool") + 1] = "base=10.197.0.0/16,size=24"
        return flags

    def start(self) -> None:
        if self.netns is None:
            super().start()
        else:  # as DockerEngine.start, inside the network namespace only (ip netns exec would remount /sys, hiding the cgroups)
            ensure_docker_installed()
            log = open(self.dir / "dockerd.log", "wb")
            self.process = subprocess.Popen(["nsenter", f"--net=/run/netns/{self.netns}", DOCKERD, *self._flags()], stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            log.close()
            self._wait_ready()
        self.docker("network", "create", "--subnet", "10.197.250.0/24",
                    "--opt", f"com.docker.network.bridge.name={self.gateway_bridge}",
                    "--opt", "com.docker.network.bridge.enable_icc=false",
                    "--opt", "com.docker.network.bridge.enable_ip_masquerade=false", "docker_gwbridge")
        if self.netns is None:
            self.data_path_port = free_port(socket.SOCK_DGRAM, 20000)
            self.docker("swarm", "init", "--advertise-addr", self.address, "--listen-addr", f"{self.address}:{free_port(socket.SOCK_STREAM)}",
                        "--data-path-port", str(self.data_path_port), "--default-addr-pool", "10.196.0.0/16")

    def join(self, manager: "SwarmEngine") -> str:
        """Join manager's swarm as a worker; returns this node's ID."""
        token = manager.docker("swarm", "join-token", "-q", "worker").stdout.strip()
        port = json.loads(manager.docker("info", "--format", "{{json .Swarm.RemoteManagers}}").stdout)[0]["Addr"]
        self.docker("swarm", "join", "--token", token, "--advertise-addr", self.address,
                    "--listen-addr", f"{self.address}:2377", port)
        return self.docker("info", "--format", "{{.Swarm.NodeID}}").stdout.strip()

    def import_busybox(self, workdir: Path) -> str:
        from tests.support.rootfs import make_busybox_tar

        tar = make_busybox_tar(workdir / "busybox.tar", workdir)
        self.docker("import", "-c", 'CMD ["sh"]', str(tar), IMAGE)
        if self.netns is None:  # a worker cannot make networks; its first task comes later anyway
            self._warm_up()
        return IMAGE

    def _warm_up(self) -> None:
        """The first container on an overlay of a fresh swarm has failed once in runc's
        network hook ("no such file or directory"); one on a scratch overlay first, up to 3 tries."""
        self.docker("network", "create", "-d", "overlay", "--attachable", "csw-warm-up")
        try:
            for _ in range(3):
                if self.docker("run", "--rm", "--network", "csw-warm-up", IMAGE, "true", check=False, timeout=60).returncode == 0:
                    return
        finally:
            self.docker("network", "rm", "csw-warm-up", check=False)

    def stop(self) -> None:
        """Idempotent: the swarm left, the engine stopped, its bridge, mounts and dir gone."""
        if self.process is not None and self.process.poll() is None:
            services = self.docker("service", "ls", "-q", check=False, timeout=30).stdout.split()
            if services:
                self.docker("service", "rm", *services, check=False, timeout=60)
            self.docker("swarm", "leave", "--force", check=False, timeout=60)
            self.docker("network", "rm", "docker_gwbridge", check=False, timeout=30)
        super().stop()
        subprocess.run(["ip", "link", "delete", self.gateway_bridge], capture_output=True)
        for point in mounts_under(self.dir):
            subprocess.run(["umount", "-l", point], capture_output=True)
        subprocess.run(["rm", "-rf", str(self.dir)], capture_output=True)


def free_port(kind: int, low: int = 0) -> int:
    """A port nobody holds now (2377 and VXLAN's 4789 may be another swarm's); from `low` up
    to 49151 when the engine wants one below the ephemeral range (--data-path-port)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("0.0.0.0", random.randint(low, 30000) if low else 0))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise OSError("no free port found")

