"""x-readiness with real runc containers: tcp, http and log probes gate service_healthy."""

from __future__ import annotations

import time

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF
WAIT_LIMIT = 30.0  # seconds; every wait below is bounded by this


def wait_for_health(project, service: str, status: str):
    """The container's health record once it shows `status`; fails after WAIT_LIMIT."""
    name = f"{project.name}-{service}-1"
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        state = project.containers().get(name)
        if state and state.health and state.health.status == status:
            return state.health
        time.sleep(0.1)
    raise AssertionError(f"{name} not {status} after {WAIT_LIMIT:g}s: {project.containers().get(name)}")


def dependent(after: str) -> str:
    """A service that exits 9 unless `after` marked itself ready before it started."""
    return f"""
  app:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "test -f /shared/ready || exit 9; exec sleep 600"]
    volumes: [shared:/shared]
    depends_on: {{{after}: {{condition: service_healthy}}}}
"""


def test_tcp_probe_inside_the_container_gates_service_healthy(project):
    # network_mode none: the port exists only on the container's own loopback
    project.write(f"""
services:
  db:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "sleep 1; touch /shared/ready; exec httpd -f -p 127.0.0.1:7431 -h /"]
    volumes: [shared:/shared]
    x-readiness: {{tcp: 7431, interval: 200ms}}
{dependent("db")}
volumes:
  shared: {{}}
""")
    result = project.compose("up", "-d")
    assert result.returncode == 0, result.stderr
    states = project.containers()
    db, app = states[f"{project.name}-db-1"], states[f"{project.name}-app-1"]
    assert app.status == "running" and app.started_at > db.started_at
    assert db.health.status == "healthy" and "127.0.0.1:7431: accepting connections" in db.health.log[-1].output
    assert project.ps()[f"{project.name}-db-1"]["Health"] == "healthy"


def test_http_probe_wants_2xx_or_3xx(project):
    serve = "mkdir -p /www && echo ok > /www/ok.html && exec httpd -f -p 8080 -h /www"
    project.write(f"""
services:
  good:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "{serve}"]
    x-readiness: {{http: "http://localhost:8080/ok.html", interval: 200ms}}
  missing:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "{serve}"]
    x-readiness: {{http: 8080/nothing.html, interval: 100ms, start_period: 0s, retries: 2}}
""")
    assert project.compose("up", "-d").returncode == 0
    good = wait_for_health(project, "good", "healthy")
    assert good.log[-1].output == "GET http://localhost:8080/ok.html: HTTP/1.1 200 OK"
    missing = wait_for_health(project, "missing", "unhealthy")
    assert "404" in missing.log[-1].output and missing.failing_streak >= 2


def test_log_probe_and_healthcheck_both_must_pass(project):
    # the healthcheck passes at once; healthy still waits for the log line
    project.write(f"""
services:
  db:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "sleep 1; touch /shared/ready; echo 'LOG:  database system is ready to accept connections'; exec sleep 600"]
    volumes: [shared:/shared]
    healthcheck: {{test: ["CMD", "true"], interval: 100ms}}
    x-readiness: {{log: "database system is ready"}}
{dependent("db")}
volumes:
  shared: {{}}
""")
    result = project.compose("up", "-d")
    assert result.returncode == 0, result.stderr
    states = project.containers()
    assert states[f"{project.name}-app-1"].status == "running"
    outputs = [entry.output for entry in states[f"{project.name}-db-1"].health.log]
    assert "output matched 'database system is ready'" in outputs


def test_tcp_probe_reaches_a_container_on_an_internal_network(project):
    project.write(f"""
services:
  db:
    image: {IMAGE}
    command: ["sh", "-c", "sleep 1; touch /shared/ready; exec httpd -f -p 7432 -h /"]
    networks: [sealed]
    volumes: [shared:/shared]
    x-readiness: {{tcp: 7432, interval: 200ms}}
{dependent("db")}
networks:
  sealed: {{internal: true}}
volumes:
  shared: {{}}
""")
    result = project.compose("up", "-d")
    assert result.returncode == 0, result.stderr
    assert project.containers()[f"{project.name}-db-1"].health.status == "healthy"


def test_a_restart_resets_the_probe(project):
    # says ready on its first run only: after a restart it must be `starting` again
    project.write(f"""
services:
  db:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "if [ ! -f /data/seen ]; then touch /data/seen; echo ready; fi; exec sleep 600"]
    volumes: [data:/data]
    x-readiness: {{log: "^ready$", interval: 100ms}}
volumes:
  data: {{}}
""")
    assert project.compose("up", "-d").returncode == 0
    wait_for_health(project, "db", "healthy")
    assert project.compose("restart", "-t", "1", "db").returncode == 0
    name = f"{project.name}-db-1"
    deadline = time.monotonic() + WAIT_LIMIT
    while len(project.containers()[name].health.log) < 3 and time.monotonic() < deadline:  # a few probes of the new run
        time.sleep(0.1)
    health = project.containers()[name].health
    assert health.status == "starting" and all(entry.exit_code == 1 for entry in health.log)


def test_a_ten_deep_healthy_chain_starts_in_order(project):
    # each link is healthy at its first probe, which runs right after the start, not an interval later
    links = []
    for index in range(10):
        links.append(f"""
  s{index}:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}""")
        if index:
            links.append(f"\n    depends_on: {{s{index - 1}: {{condition: service_healthy}}}}")
    project.write("services:" + "".join(links) + "\n")
    began = time.monotonic()
    result = project.compose("up", "-d")
    took = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    states = project.containers()
    starts = [states[f"{project.name}-s{index}-1"].started_at for index in range(10)]
    assert starts == sorted(starts) and all(state.health.status == "healthy" for state in states.values())
    print(f"10-deep healthy chain, 1 s intervals: up -d took {took:.2f} s")


def test_a_container_that_exits_at_once_fails_its_dependents_cleanly(project):
    project.write(f"""
services:
  db:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "exit 3"]
    x-readiness: {{tcp: 7433}}
  app:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
    depends_on: {{db: {{condition: service_healthy}}}}
""")
    result = project.compose("up", "-d")
    assert result.returncode == 1
    assert f"dependency failed to start: container {project.name}-db-1 exited (3)" in result.stderr  # Compose v2's words
    assert project.containers()[f"{project.name}-db-1"].exit_code == 3  # the supervisor recorded it, not crashed
