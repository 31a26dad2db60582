"""A private Docker engine (Debian's docker.io) that shares nothing with the host's.

Decisions, so that it cannot collide with anything else on the machine:
- its own socket, data root, exec root and pidfile under the bench base dir; containerd
  is the one dockerd manages itself (its socket and state under the exec root);
- --bridge none: no docker0; the only bridges are the compose networks, which our compose
  files name cbn-… (driver_opts com.docker.network.bridge.name, which composer honours
  too, so a sweep finds both sides' bridges by that prefix);
- --iptables=false --ip-forward=false --ip-masq=false: it adds no iptables rule and no
  chain, and does not flip the FORWARD policy to DROP (which, with bridge-nf-call-iptables=1
  here, would cut traffic on other people's test bridges). Containers on one compose
  network still talk to each other over the bridge; the bench publishes no ports
  (--userland-proxy=false, so no docker-proxy either). This makes the anchor slightly
  cheaper than a stock engine, so our ratios err in Docker's favour;
- --cgroup-parent composer-bench, so a sweep can find its containers' processes;
- --default-address-pool 10.199.0.0/16 in /24s, away from the usual 172.17+ pools.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from bench.anchors.layout import CGROUP_PARENT
from bench.stats import NotAvailable

DOCKER = "/usr/bin/docker"  # Debian's CLI, not whatever else is on PATH
DOCKERD = "/usr/sbin/dockerd"
START_TIMEOUT = 60.0


class DockerEngine:
    """The bench's isolated engine; tests/support/dockerd.py's StockDockerd is the same
    engine with Docker's own network defaults (iptables, docker0)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = self.dir / "docker.sock"
        self.pidfile = self.dir / "docker.pid"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for docker CLI and Compose v2: the private socket, a private config dir."""
        return dict(os.environ, DOCKER_HOST=f"unix://{self.socket}", DOCKER_CONFIG=str(self.dir / "config"))

    def start(self) -> None:
        ensure_docker_installed()
        self.dir.mkdir(parents=True, exist_ok=True)
        log = open(self.dir / "dockerd.log", "wb")
        self.process = subprocess.Popen(
            [DOCKERD, *self._flags()], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, not the engine: we stop it in order
        )
        log.close()
        self._wait_ready()

    def _private_flags(self) -> list[str]:
        """Its own socket, data root, exec root and pidfile: shares no state with other engines."""
        return [
            "--host", f"unix://{self.socket}",
            "--data-root", str(self.dir / "data"),
            "--exec-root", str(self.dir / "exec"),
            "--pidfile", str(self.pidfile),
        ]

    def _flags(self) -> list[str]:
        return [
            *self._private_flags(),
            "--bridge", "none",
            "--iptables=false", "--ip-forward=false", "--ip-masq=false", "--ip6tables=false",
            "--userland-proxy=false",
            "--cgroup-parent", CGROUP_PARENT,
            "--default-address-pool", "base=10.199.0.0/16,size=24",
            "--shutdown-timeout", "3",
            "--log-level", "warn",
        ]

    def _wait_ready(self) -> None:
        end = time.monotonic() + START_TIMEOUT
        while time.monotonic() < end:
            if self.process and self.process.poll() is not None:
                raise NotAvailable(f"dockerd exited with status {self.process.returncode}: {self._log_tail()}")
            if self.socket.exists() and self.docker("version", check=False, timeout=10).returncode == 0:
                return
            time.sleep(0.2)
        raise NotAvailable(f"dockerd did not answer within {START_TIMEOUT:.0f} s: {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            lines = (self.dir / "dockerd.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no log"
        return lines[-1][:300] if lines else "empty log"

    def docker(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([DOCKER, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise NotAvailable(f"docker {args[0]} failed: {result.stderr.strip()[:300]}")
        return result

    def stop(self) -> None:
        """Remove all containers and networks (so bridges go), then stop dockerd and containerd."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            ids = self.docker("ps", "-aq", check=False, timeout=30).stdout.split()
            if ids:
                self.docker("rm", "-f", *ids, check=False, timeout=60)
            self.docker("network", "prune", "-f", check=False, timeout=60)
        except subprocess.TimeoutExpired:
            pass  # the sweep after us kills and removes what is left
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def rss_kib(self) -> int:
        """dockerd's resident set size now."""
        assert self.process is not None
        return process_rss_kib(self.process.pid)

    def version(self) -> str:
        result = subprocess.run([DOCKERD, "--version"], capture_output=True, text=True, timeout=10)
        return result.stdout.strip()


def process_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def ensure_docker_installed() -> None:
    """Debian's docker.io (dockerd, containerd, runc); installed when missing, never started as a service."""
    if os.path.exists(DOCKERD) and os.path.exists(DOCKER):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise NotAvailable("docker.io is not installed and cannot be installed here (needs root and apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    result = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "docker.io"], env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
        result = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "docker.io"], env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise NotAvailable(f"apt-get install docker.io failed: {result.stderr.strip().splitlines()[-1:]}")
