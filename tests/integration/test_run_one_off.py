"""`compose run -p`: the one-off's port answers on the host while it runs, and is gone after
(Compose v2 publishes on the container itself; composer's port proxy forwards to that one
container, never to the service's replicas). Compared with Compose v2 elsewhere
(tests/e2e/test_run_parity_compose.py); the host port needs no second engine here."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

pytest_plugins = ["tests.support.project"]
pytestmark = [pytest.mark.needs_root]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_from(port: int, attempts: int = 100) -> bytes:
    """What the port sends, once something listens behind it (bounded: 100 tries, ~10 s)."""
    for _ in range(attempts):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as conn:
                data = conn.recv(100)
                if data:
                    return data
        except OSError:
            pass
        time.sleep(0.1)
    return b""


def test_publish_while_it_runs_then_gone(project, busybox_ref):
    project.write(f"""
services:
  app:
    image: {busybox_ref}
    command: [sleep, "600"]
    ports: ["80"]
""")
    port = free_port()
    runner = subprocess.Popen(project.argv("run", "--rm", "-p", f"127.0.0.1:{port}:80", "app", "sh", "-c", "echo hello | nc -l -p 80"),
                              cwd=project.dir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert read_from(port) == b"hello\n"
        assert runner.wait(timeout=60) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()
    gone = project.compose("port", "app", "80")
    assert gone.returncode != 0 and "no port 80/tcp published" in gone.stderr
    assert project.ps() == {}, "--rm removed it"
