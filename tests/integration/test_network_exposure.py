"""Who can reach what, with real containers on the bridges the tests make: a published
port listens only on the address asked; an ambassador listens only on its networks (not
on the host, not on a network it is not on); an internal network reaches nothing outside
it. (Another project's containers out of reach: test_up_networks.py.)
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF
HTTPD = '["sh", "-c", "echo {text} > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]'
SLEEP = '["sleep", "600"]'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_in(project, service: str, command: str) -> subprocess.CompletedProcess:
    return project.compose("exec", "-T", service, "sh", "-c", command, timeout=60)


def reaches(project, service: str, host: str, port: int, attempts: int = 10) -> bool:
    """A TCP connection from inside `service` completes (retried briefly: servers may be starting)."""
    for _ in range(attempts):
        if run_in(project, service, f"nc -w 2 {host} {port} </dev/null").returncode == 0:
            return True
        time.sleep(0.3)
    return False


def refused(project, service: str, host: str, port: int) -> bool:
    return run_in(project, service, f"nc -w 2 {host} {port} </dev/null").returncode != 0


@contextlib.contextmanager
def host_listener(address: str) -> Iterator[int]:
    """A TCP listener on the host at `address` that closes what it accepts (so a client's
    nc ends); yields its port; the thread stops with the block."""
    stop = threading.Event()
    with socket.socket() as listener:
        listener.bind((address, 0))
        listener.listen()
        listener.settimeout(0.2)

        def serve() -> None:
            while not stop.is_set():
                with contextlib.suppress(OSError):
                    listener.accept()[0].close()

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield listener.getsockname()[1]
        finally:
            stop.set()
            thread.join(timeout=5)


def host_listeners(port: int) -> list[str]:
    out = subprocess.run(["ss", "-H", "-ltn", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return sorted(line.split()[3] for line in out.splitlines())


def address_of(project, service: str, name: str) -> str:
    """`name`'s address as `service` resolves it (its hosts file)."""
    out = run_in(project, service, f"awk '{{for (i = 2; i <= NF; i++) if ($i == \"{name}\") {{print $1; exit}}}}' /etc/hosts").stdout.strip()
    assert out, f"{service} cannot resolve {name}: " + run_in(project, service, "cat /etc/hosts").stdout
    return out


def gateway_of(project, service: str) -> str:
    return run_in(project, service, "ip -4 route | awk '/^default/ {print $3}'").stdout.strip()


def test_ports_ambassadors_and_internal_networks_expose_only_what_is_asked(project):
    published, ambassador = free_port(), free_port()
    project.write(f"""
services:
  web: {{image: {IMAGE}, command: {HTTPD.format(text="web")}, networks: [front, back], ports: ["127.0.0.1:{published}:80"]}}
  inner: {{image: {IMAGE}, command: {SLEEP}, networks: [back]}}
  outsider: {{image: {IMAGE}, command: {SLEEP}, networks: [front]}}
  sealed: {{image: {IMAGE}, command: {SLEEP}, networks: [vault]}}
  vaulted: {{image: {IMAGE}, command: {HTTPD.format(text="vaulted")}, networks: [vault]}}
ambassadors:
  amb: {{listen: "tcp://:{ambassador}", target: "tcp://web:80", networks: [back]}}
networks:
  front: {{}}
  back: {{}}
  vault: {{internal: true}}
""")
    project.compose("up", "-d", check=True)
    # the published port: on 127.0.0.1 only, not on the host's other addresses
    assert host_listeners(published) == [f"127.0.0.1:{published}"]
    front_gateway = gateway_of(project, "outsider")  # the host's own address on the front bridge
    assert front_gateway
    with socket.socket() as client:
        client.settimeout(3)
        assert client.connect_ex((front_gateway, published)) != 0
    # the ambassador: reached from its network, from nowhere else, never on the host
    assert host_listeners(ambassador) == []
    assert reaches(project, "inner", "amb", ambassador)
    amb_address = address_of(project, "inner", "amb")
    assert run_in(project, "outsider", "grep -w amb /etc/hosts").returncode != 0
    assert refused(project, "outsider", amb_address, ambassador)
    # the internal network: its members reach each other and nothing else, not even the host
    with host_listener(front_gateway) as host_port:  # on the front bridge, which the test made
        assert reaches(project, "outsider", front_gateway, host_port)  # the control: a normal network gets out
        assert reaches(project, "sealed", "vaulted", 80)
        assert refused(project, "sealed", front_gateway, host_port)
        assert refused(project, "sealed", address_of(project, "outsider", "web"), 80)
