"""Ambassadors and published ports with real containers, real forwarders and real bytes."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.support.http import http_get
from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF


def server(name: str, extra: str = "", text: str = "page-$$HOSTNAME", delay: float = 0) -> str:
    command = f'["sh", "-c", "sleep {delay}; echo {text} > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]'
    return f"  {name}:\n    image: {IMAGE}\n    command: {command}\n{extra}"


SCALE3 = "    scale: 3\n"
PORTS = '    ports: ["127.0.0.1:18291:80", "80", "127.0.0.1:18295-18297:80"]\n'
PORT_TAKEN = '    ports: ["127.0.0.1:18292:80"]\n'
CLIENT = f"  client:\n    image: {IMAGE}\n    command: [sleep, '600']\n"


def fetch(project, url: str, attempts: int = 20) -> str:
    for _ in range(attempts):
        result = project.compose("exec", "-T", "client", "timeout", "5", "wget", "-qO-", url, timeout=30)
        if result.returncode == 0:
            return result.stdout.strip()
        time.sleep(0.25)
    return ""


def test_client_reaches_a_service_through_the_ambassador_and_survives_a_restart(project):
    project.write(f"services:\n{server('db')}{CLIENT}ambassadors:\n  catalogue: {{listen: 'tcp://:8000', target: 'tcp://db:80', retry: 10s}}\n")
    assert project.compose("up", "-d").returncode == 0
    assert fetch(project, "http://catalogue:8000/") == f"page-{project.name}-db-1"
    assert project.compose("up", "-d", "--force-recreate", "db").returncode == 0
    assert fetch(project, "http://catalogue:8000/") == f"page-{project.name}-db-1"
    assert any(r["Service"] == "catalogue" and r["State"] == "running" for r in _ps_json(project))  # ps lists it


def _ps_json(project):
    import json

    out = project.compose("ps", "--format", "json").stdout
    return [json.loads(line) for line in out.splitlines()]


def test_client_started_before_its_backend_gets_through_within_retry(project):
    project.write(f"services:\n{server('slow', delay=2)}{CLIENT}ambassadors:\n  db: {{listen: 'tcp://:8000', target: 'tcp://slow:80', retry: 15s}}\n")
    assert project.compose("up", "-d").returncode == 0
    started = time.monotonic()
    assert fetch(project, "http://db:8000/", attempts=1) == f"page-{project.name}-slow-1"  # one try: the ambassador held it
    assert time.monotonic() - started < 15


def test_round_robin_over_three_replicas(project):
    project.write(f"services:\n{server('web', extra=SCALE3)}{CLIENT}ambassadors:\n  front: {{listen: 'tcp://:8000', target: 'tcp://web:80', balance: round-robin}}\n")
    assert project.compose("up", "-d").returncode == 0
    fetch(project, "http://front:8000/")  # all three up
    seen = [fetch(project, "http://front:8000/") for _ in range(6)]
    assert {s.rsplit("-", 1)[-1] for s in seen} == {"1", "2", "3"}


def test_published_ports_from_the_host_random_ports_and_a_port_in_use(project):
    project.write(f"services:\n{server('web', extra=PORTS, text='hello')}")
    assert project.compose("up", "-d").returncode == 0
    assert http_get("http://127.0.0.1:18291/") == "hello"
    random_port = project.compose("port", "web", "80").stdout.strip()
    assert random_port.startswith("127.0.0.1:18291")  # the first mapping of port 80
    rows = _ps_json(project)
    published = {p["PublishedPort"] for r in rows for p in r["Publishers"]}
    assert 18291 in published and 18295 in published and len(published) == 3  # a range takes its first free port
    other = [p for p in published if p not in (18291, 18295)][0]
    assert http_get(f"http://127.0.0.1:{other}/") == "hello"
    assert http_get("http://127.0.0.1:18295/") == "hello"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 18292))
        holder.listen()
        project.write(f"services:\n{server('web', text='hello')}{server('more', extra=PORT_TAKEN)}")
        result = project.compose("up", "-d")
        assert result.returncode == 1
        assert result.stderr.strip().splitlines()[-1] == "error: service more: port 127.0.0.1:18292/tcp is already in use; stop what holds it, or publish on another port"
        assert f"{project.name}-more-1" not in project.containers()


def test_unix_socket_in_a_volume_to_tcp_and_tcp_to_a_host_unix_socket(project, tmp_path):
    sock_dir = Path(f"/tmp/{project.name}-sock")
    sock_dir.mkdir()
    host_sock = sock_dir / "host.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(host_sock))
    listener.listen()
    payload = os.urandom(3 << 20)

    def serve() -> None:  # a host service on a unix socket: answers with a digest of what it got
        conn, _ = listener.accept()
        with conn:
            got = b""
            while chunk := conn.recv(65536):
                got += chunk
            conn.sendall(hashlib.sha256(got).hexdigest().encode())

    threading.Thread(target=serve, daemon=True).start()
    try:
        project.write(
            f"services:\n{server('web', text='via-unix')}{CLIENT}"
            f"volumes:\n  sockets: {{}}\n"
            f"ambassadors:\n"
            f"  web-sock: {{listen: 'unix://sockets/web.sock', target: 'tcp://web:80'}}\n"
            f"  hostsvc: {{listen: 'tcp://:9000', target: 'unix://{host_sock}', ports: ['127.0.0.1:18293:9000']}}\n"
        )
        assert project.compose("up", "-d").returncode == 0
        from composer.config.model import Volume
        from composer.drivers.runc.resources import volume_dir

        web_sock = volume_dir(Volume(key="sockets", name=f"{project.name}_sockets")) / "web.sock"
        for _ in range(40):
            if web_sock.exists():
                break
            time.sleep(0.1)
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(str(web_sock))
            client.sendall(b"GET / HTTP/1.0\r\n\r\n")
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        assert answer.rstrip().endswith(b"via-unix")
        with socket.create_connection(("127.0.0.1", 18293), timeout=10) as client:  # tcp → host unix socket
            client.sendall(payload)
            client.shutdown(socket.SHUT_WR)  # half-close passes through; the reply still comes back
            digest = client.recv(100)
        assert digest.decode() == hashlib.sha256(payload).hexdigest()
    finally:
        listener.close()
        project.compose("down", "-v", "-t", "0")
        host_sock.unlink(missing_ok=True)
        sock_dir.rmdir()


@pytest.fixture
def outside_host(project):
    """Another host: a network namespace with its own address, reached over a veth, serving HTTP."""
    ns, host_if = f"{project.name}-far", f"{project.name[:8]}f0"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "link", "add", host_if, "type", "veth", "peer", "name", "far0", "netns", ns], check=True)
        subprocess.run(["ip", "addr", "add", "10.251.77.1/30", "dev", host_if], check=True)
        subprocess.run(["ip", "link", "set", host_if, "up"], check=True)
        for command in (["ip", "addr", "add", "10.251.77.2/30", "dev", "far0"], ["ip", "link", "set", "far0", "up"],
                        ["ip", "link", "set", "lo", "up"], ["ip", "route", "add", "default", "via", "10.251.77.1"]):
            subprocess.run(["ip", "netns", "exec", ns, *command], check=True)
        web_root = Path(f"/tmp/{ns}")
        web_root.mkdir()
        (web_root / "index.html").write_text("from-the-far-host\n")
        httpd = subprocess.Popen(["ip", "netns", "exec", ns, "busybox", "httpd", "-f", "-p", "8080", "-h", str(web_root)])
        yield "10.251.77.2"
        httpd.kill()
        httpd.wait()
        (web_root / "index.html").unlink()
        web_root.rmdir()
    finally:
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def test_an_ambassador_to_another_host(project, outside_host):
    project.write(f"services:\n{CLIENT}ambassadors:\n  far: {{listen: 'tcp://:80', target: 'tcp://{outside_host}:8080', retry: 5s}}\n")
    assert project.compose("up", "-d").returncode == 0
    assert fetch(project, "http://far/") == "from-the-far-host"
