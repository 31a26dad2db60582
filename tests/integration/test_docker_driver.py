"""The docker driver on a real private Docker engine: a project's containers, networks,
volumes, published ports, health-gated order, exec, logs and `down -v`; side by side with
Compose v2 (2.40) on the same engine, neither recreates the other's containers; engine
errors are one line each.

What the isolated engine cannot show: its networks reach nothing outside (no masquerade,
--iptables=false), and ports are published by docker-proxy only (no DNAT rules)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.docker_engine", "tests.support.debian_base"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

P = "com.docker.compose."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Side:
    """One tool on one project directory, talking to the test engine."""

    def __init__(self, engine, directory: Path, name: str, argv: list[str]) -> None:
        self.engine, self.dir, self.name, self.argv = engine, directory, name, argv

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in self.engine.env.items() if not k.startswith(("COMPOSE_", "COMPOSER_DRIVER"))}
        result = subprocess.run([*self.argv, "-p", self.name, *args], cwd=self.dir, env=env, capture_output=True, text=True, timeout=180)
        if check and result.returncode != 0:
            raise AssertionError(f"{self.argv[-1]} {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result


@pytest.fixture
def sides(docker_engine, tmp_path):
    """(ours, reference) on one project directory and name; everything of it goes at the end."""
    from bench.anchors.compose_v2 import ensure_compose_v2
    from bench.stats import NotAvailable

    try:
        binary = str(ensure_compose_v2())
    except NotAvailable as exc:
        pytest.skip(f"no Compose v2 binary: {exc}")
    name = f"d{secrets.token_hex(3)}"
    ours = Side(docker_engine, tmp_path, name, [sys.executable, "-m", "composer", "--driver", "docker"])
    reference = Side(docker_engine, tmp_path, name, [binary])
    yield ours, reference
    ours("down", "-v", "--remove-orphans", "-t", "1", check=False)
    reference("down", "-v", "--remove-orphans", "-t", "1", check=False)


def project_files(port: int) -> str:
    return f"""
services:
  web:
    image: {BUSYBOX_REF}
    command: [sh, -c, "mkdir -p /www && cat /run/secrets/token > /www/index.html && echo web-up && exec httpd -f -p 80 -h /www"]
    environment: {{GREETING: "hi there"}}
    ports: ["127.0.0.1:{port}:80"]
    volumes: [data:/data]
    secrets: [token]
    depends_on: {{db: {{condition: service_healthy}}}}
    networks:
      front: {{aliases: [www]}}
      back: {{}}
    restart: unless-stopped
    mem_limit: 64m
  db:
    image: {BUSYBOX_REF}
    command: [sh, -c, "touch /tmp/ready && exec sleep 600"]
    healthcheck: {{test: [CMD, test, -f, /tmp/ready], interval: 1s, retries: 30}}
    networks:
      back: {{ipv4_address: 10.227.233.7}}
networks:
  front: {{}}
  back:
    internal: true
    ipam: {{config: [{{subnet: 10.227.233.0/24}}]}}
volumes:
  data: {{}}
secrets:
  token: {{file: ./token.txt}}
"""


def inspect(engine, name: str) -> dict:
    return json.loads(engine.docker("inspect", name).stdout)[0]


def project_objects(engine, name: str) -> dict[str, list[str]]:
    label = f"label={P}project={name}"
    return {
        "containers": engine.docker("ps", "-aq", "--filter", label).stdout.split(),
        "networks": engine.docker("network", "ls", "-q", "--filter", label).stdout.split(),
        "volumes": engine.docker("volume", "ls", "-q", "--filter", label).stdout.split(),
    }


def test_project_up_exec_logs_ports_and_down(sides, docker_engine):
    ours, _ = sides
    port = free_port()
    ours.dir.joinpath("compose.yaml").write_text(project_files(port))
    ours.dir.joinpath("token.txt").write_text("secret-bytes\n")
    up = ours("up", "-d")
    assert "Error" not in up.stdout + up.stderr
    web, db = inspect(docker_engine, f"{ours.name}-web-1"), inspect(docker_engine, f"{ours.name}-db-1")
    assert db["State"]["Health"]["Status"] == "healthy"  # web waited for it
    assert web["State"]["Running"] and web["HostConfig"]["Memory"] == 64 * 1024 * 1024
    assert web["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
    assert "GREETING=hi there" in web["Config"]["Env"]
    labels = web["Config"]["Labels"]
    assert (labels[P + "project"], labels[P + "service"], labels[P + "container-number"], labels[P + "oneoff"]) == (ours.name, "web", "1", "False")
    assert labels[P + "depends_on"] == "db:service_healthy:false"
    assert db["NetworkSettings"]["Networks"][f"{ours.name}_back"]["IPAddress"] == "10.227.233.7"
    assert "www" in web["NetworkSettings"]["Networks"][f"{ours.name}_front"]["Aliases"]
    assert inspect_network(docker_engine, f"{ours.name}_back")["Internal"] is True
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:  # through docker-proxy
        assert response.read() == b"secret-bytes\n"
    ping = ours("exec", "-T", "web", "ping", "-c", "1", "-W", "2", "db")
    assert "1 packets received" in ping.stdout
    assert ours("exec", "-T", "db", "sh", "-c", "exit 3", check=False).returncode == 3
    assert "web-up" in ours("logs", "web").stdout
    rows = [json.loads(line) for line in ours("ps", "--format", "json").stdout.splitlines()]
    assert sorted((r["Service"], r["State"]) for r in rows) == [("db", "running"), ("web", "running")]
    ours("down", "-v", "-t", "1")
    assert project_objects(docker_engine, ours.name) == {"containers": [], "networks": [], "volumes": []}


def inspect_network(engine, name: str) -> dict:
    return json.loads(engine.docker("network", "inspect", name).stdout)[0]


SIMPLE = f"""
services:
  a:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    environment: {{X: "<&>"}}
    volumes: ["vol:/v"]
    networks: {{n: {{aliases: [alpha]}}}}
    healthcheck: {{test: [CMD, "true"], interval: 5s}}
    deploy: {{resources: {{limits: {{memory: 32m}}}}}}
  b:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    depends_on: [a]
    networks: [n]
networks:
  n: {{}}
volumes:
  vol: {{}}
"""


def container_ids(engine, name: str) -> dict[str, str]:
    out = engine.docker("ps", "-a", "--filter", f"label={P}project={name}", "--format", "{{.Names}} {{.ID}}").stdout
    return dict(line.split() for line in out.splitlines())


def test_neither_tool_recreates_the_others_containers(sides, docker_engine):
    ours, reference = sides
    ours.dir.joinpath("compose.yaml").write_text(SIMPLE)
    reference("up", "-d")
    theirs = container_ids(docker_engine, ours.name)
    assert len(theirs) == 2
    ours("up", "-d")
    assert container_ids(docker_engine, ours.name) == theirs  # same ids: nothing recreated
    names = {json.loads(line)["Name"] for line in ours("ps", "--format", "json").stdout.splitlines()}
    assert names == set(theirs)
    ours("down", "-t", "1")
    ours("up", "-d")
    mine = container_ids(docker_engine, ours.name)
    reference("up", "-d")
    assert container_ids(docker_engine, ours.name) == mine
    seen = {json.loads(line)["Name"] for line in reference("ps", "--format", "json").stdout.splitlines()}
    assert seen == set(mine)
    ours.dir.joinpath("compose.yaml").write_text(SIMPLE.replace('X: "<&>"', 'X: "changed"'))
    ours("up", "-d")
    changed = container_ids(docker_engine, ours.name)
    assert changed[f"{ours.name}-a-1"] != mine[f"{ours.name}-a-1"] and changed[f"{ours.name}-b-1"] == mine[f"{ours.name}-b-1"]
    reference("up", "-d")  # and Compose agrees the new one is current
    assert container_ids(docker_engine, ours.name) == changed


def test_engine_errors_are_one_line(sides, docker_engine, tmp_path):
    ours, _ = sides
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    taken = busy.getsockname()[1]
    cases = {
        "missing": f"services:\n  x:\n    image: composer-test/absent:1\n    pull_policy: never\n",
        "port": f"services:\n  x:\n    image: {BUSYBOX_REF}\n    command: [sleep, '60']\n    ports: ['127.0.0.1:{taken}:80']\n",
    }
    try:
        for case, text in cases.items():
            ours.dir.joinpath("compose.yaml").write_text(text)
            result = ours("up", "-d", check=False)
            assert result.returncode != 0, case
            assert "Traceback" not in result.stderr, case
            ours("down", "-t", "1", check=False)
    finally:
        busy.close()
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/nothing.sock")
    result = subprocess.run([sys.executable, "-m", "composer", "--driver", "docker", "-p", ours.name, "ps"], cwd=ours.dir, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "cannot reach the Docker engine" in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def ambassador_files(port: int) -> str:
    server = f"""    image: {BUSYBOX_REF}
    command: [sh, -c, "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"]
"""
    return f"""
services:
  web:
{server}    deploy: {{replicas: 2}}
  client:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
x-ambassadors:
  front: {{listen: 'tcp://:8000', target: 'tcp://web:80', retry: 10s, ports: ['127.0.0.1:{port}:8000']}}
"""


def test_ambassador_container_balances_replicas_and_shows_in_ps(sides, docker_engine, engine_python_ref):
    ours, _ = sides
    port = free_port()
    ours.dir.joinpath("compose.yaml").write_text(ambassador_files(port))
    ours.argv = ["env", f"COMPOSER_AMBASSADOR_BASE={engine_python_ref}", *ours.argv]
    ours("up", "-d")
    seen = set()
    for _ in range(4):  # from a service, by the ambassador's name on the project network
        seen.add(ours("exec", "-T", "client", "wget", "-q", "-O", "-", "http://front:8000/").stdout.strip())
    hosts = {inspect(docker_engine, f"{ours.name}-web-{n}")["Config"]["Hostname"] for n in (1, 2)}
    assert seen == hosts  # both replicas answered
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:  # published on the host
        assert response.read().decode().strip() in hosts
    ps = ours("ps").stdout
    assert "front" in ps
    ours("up", "-d")  # unchanged: the ambassador container is kept
    ours("down", "-t", "1")
    assert project_objects(docker_engine, ours.name)["containers"] == []


def test_file_logs_at_a_host_path_follow_restarts_and_end_with_the_container(sides, docker_engine, tmp_path):
    from tests.support.docker_engine import log_pump_pids  # a plugin module: imported once pytest has loaded it

    ours, _ = sides
    logs = tmp_path / "logs"
    ours.dir.joinpath("compose.yaml").write_text(f"""
services:
  talk:
    image: {BUSYBOX_REF}
    command: [sh, -c, "echo out-line; echo err-line >&2; exec sleep 600"]
    logging: {{driver: file, options: {{path: {logs}/, max-size: 1m, max-file: "2"}}}}
""")
    ours("up", "-d")
    container = inspect(docker_engine, f"{ours.name}-talk-1")
    assert container["HostConfig"]["LogConfig"]["Type"] == "local"  # the engine's own copy, for `logs`
    log_file = logs / f"{ours.name}-talk-1.log"
    lines = wait_for_lines(log_file, 2)
    assert sorted(lines) == ["err-line", "out-line"]
    ours("restart", "-t", "1")
    assert sorted(wait_for_lines(log_file, 4)) == ["err-line", "err-line", "out-line", "out-line"]  # resumed, nothing twice
    assert log_pump_pids(container["Id"])
    ours("down", "-t", "1")
    for _ in range(50):  # bounded: the pump notices the removal within its 1 s poll
        if not log_pump_pids(container["Id"]):
            break
        time.sleep(0.2)
    assert not log_pump_pids(container["Id"])


def wait_for_lines(path: Path, count: int) -> list[str]:
    for _ in range(100):  # bounded: ≤ 20 s
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.2)
    return lines


def test_readiness_probes_gate_service_healthy(sides, docker_engine):
    ours, _ = sides
    ours.dir.joinpath("compose.yaml").write_text(f"""
services:
  slow:
    image: {BUSYBOX_REF}
    command: [sh, -c, "sleep 2; mkdir -p /www; echo ok > /www/index.html; exec httpd -f -p 8080 -h /www"]
    x-readiness: {{http: "8080/", interval: 1s}}
  logger:
    image: {BUSYBOX_REF}
    command: [sh, -c, "sleep 1; echo service is READY now; exec sleep 600"]
    x-readiness: {{log: "READY"}}
    depends_on: {{slow: {{condition: service_healthy}}}}
  after:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    depends_on: {{logger: {{condition: service_healthy}}}}
""")
    ours("up", "-d")
    started = {name: inspect(docker_engine, f"{ours.name}-{name}-1")["State"]["StartedAt"] for name in ("slow", "logger", "after")}
    assert started["slow"] < started["logger"] < started["after"]
    logger_log = docker_engine.docker("logs", "--timestamps", f"{ours.name}-logger-1").stdout
    ready_at = next(line.split()[0] for line in logger_log.splitlines() if "READY" in line)
    assert ready_at < started["after"]  # `after` started only once the log said READY
