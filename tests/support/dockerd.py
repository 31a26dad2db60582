"""A stock Docker engine beside composer, as on a host where Docker runs.

Debian's docker.io with its own network defaults (iptables on, docker0, br_netfilter on)
but a private socket, data root, exec root and pidfile, so it shares no state with any
other engine. Docker sets the filter FORWARD policy to DROP when it is the one that turns
forwarding on (and Docker 23+ always does); forwarding is often on already here, so the
engine then sets that policy itself, to stand for every such host.

Teardown is the engine's own stop, then what dockerd leaves behind on purpose: docker0,
its iptables chains and rules, and the FORWARD policy, put back as they were.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from bench.anchors.engine import ensure_docker_installed

DOCKERD = "/usr/sbin/dockerd"
DOCKER = "/usr/bin/docker"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


class StockDockerd:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.socket = directory / "docker.sock"
        self.process: subprocess.Popen[bytes] | None = None
        self.forward_policy_before = forward_policy()

    @property
    def env(self) -> dict[str, str]:
        return dict(os.environ, DOCKER_HOST=f"unix://{self.socket}", DOCKER_CONFIG=str(self.dir / "config"))

    def start(self) -> None:
        ensure_docker_installed()
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / "dockerd.log", "ab") as log:
            self.process = subprocess.Popen(
                [DOCKERD, "--host", f"unix://{self.socket}", "--data-root", str(self.dir / "data"),
                 "--exec-root", str(self.dir / "exec"), "--pidfile", str(self.dir / "docker.pid")],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dockerd exited {self.process.returncode}: {self.log_tail()}")
            if subprocess.run([DOCKER, "info"], env=self.env, capture_output=True, timeout=30).returncode == 0:
                break
            time.sleep(0.2)
        else:
            raise RuntimeError(f"dockerd did not answer within {START_TIMEOUT:.0f} s: {self.log_tail()}")
        subprocess.run(["iptables", "-P", "FORWARD", "DROP"], check=True)  # see the module's docstring

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT)

    def restart(self) -> None:
        """As `systemctl restart docker`: dockerd re-inserts its chains at the top of FORWARD."""
        self.stop()
        self.start()

    def clean_up(self) -> None:
        """Stop, then remove what a stopped dockerd leaves: docker0, its iptables state."""
        self.stop()
        subprocess.run(["ip", "link", "del", "docker0"], capture_output=True)
        for table in ("filter", "nat"):
            saved = subprocess.run(["iptables-save", "-t", table], capture_output=True, text=True).stdout
            kept = [line for line in saved.splitlines() if "docker" not in line.lower()]
            subprocess.run(["iptables-restore", "-T", table], input="\n".join(kept) + "\n", text=True, check=True)
        subprocess.run(["iptables", "-P", "FORWARD", self.forward_policy_before], check=True)
        for mountpoint in mounts_under(self.dir):  # dockerd bind-mounts its data root; one that died keeps it
            subprocess.run(["umount", "-l", mountpoint], capture_output=True)
        subprocess.run(["rm", "-rf", str(self.dir)], capture_output=True)

    def log_tail(self) -> str:
        try:
            return " | ".join((self.dir / "dockerd.log").read_text(errors="replace").strip().splitlines()[-3:])
        except OSError:
            return "no log"


def mounts_under(directory: Path) -> list[str]:
    with open("/proc/self/mountinfo") as handle:
        points = [line.split()[4] for line in handle]
    return sorted((p for p in points if p.startswith(f"{directory}/") or p == str(directory)), reverse=True)


def forward_policy() -> str:
    out = subprocess.run(["iptables", "-S", "FORWARD"], capture_output=True, text=True).stdout
    return next((line.split()[2] for line in out.splitlines() if line.startswith("-P FORWARD")), "ACCEPT")
