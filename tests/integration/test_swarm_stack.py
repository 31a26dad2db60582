"""The swarm driver on a real single-node Swarm (a private engine the session starts):
depends_on ordering and waits, secrets and networks, in-place rolling updates of only
what changed, the no-op second `up`, refusing what Swarm cannot express, builds pushed
to a registry and pinned by digest, and a `down` that leaves nothing of the stack."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.registry import LocalRegistry, have_registry
from tests.support.rootfs import have_busybox
from tests.support.swarm import SwarmEngine

pytestmark = pytest.mark.needs_root

LOOP = "trap 'exit 0' TERM; while true; do sleep 1; done"  # PID 1 ignores an untrapped TERM


@pytest.fixture(scope="module")
def swarm(tmp_path_factory):
    if not have_busybox():
        pytest.skip("busybox-static is not installed")
    engine = SwarmEngine()
    try:
        engine.start()
        engine.import_busybox(tmp_path_factory.mktemp("swarm-image"))
        yield engine
    finally:
        engine.stop()


def compose_env(engine) -> dict[str, str]:
    return dict(engine.env, COMPOSER_DRIVER="swarm", PYTHONPATH=os.environ.get("PYTHONPATH", ""))


def first_event(process: subprocess.Popen, wanted, seconds: float = 60.0) -> dict | None:
    """The first JSON event line that is wanted, within `seconds`; None if none came."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        line = process.stdout.readline()
        if not line:
            break
        if wanted(event := json.loads(line)):
            return event
    return None


def compose(engine, directory: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = compose_env(engine)
    result = subprocess.run([sys.executable, "-m", "composer", "--progress", "plain", *args], cwd=directory, env=env,
                            capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def inspect(engine, kind: str, name: str) -> dict:
    return json.loads(engine.docker(kind, "inspect", name).stdout)[0]


def listed(engine, kind: str, project: str) -> list[str]:
    return engine.docker(kind, "ls", "-q", "--filter", f"label=com.docker.stack.namespace={project}").stdout.split()


def project_dir(tmp_path: Path, name: str, compose_text: str = "") -> Path:
    """The project's directory (its name is the project's), with its compose.yaml when given."""
    directory = tmp_path / name
    directory.mkdir(parents=True, exist_ok=True)
    if compose_text:
        (directory / "compose.yaml").write_text(compose_text)
    return directory


def stack_file(directory: Path, web_mode: str = "one", password: str = "s3cret", extra: str = "") -> None:
    (directory / "pw.txt").write_text(password + "\n")
    (directory / "compose.yaml").write_text(f"""
services:
  init:
    image: composer-test/busybox:1
    command: ["sh", "-c", "echo migrated"]
  db:
    image: composer-test/busybox:1
    command: ["sh", "-c", "{LOOP}"]
    secrets: [pw]
    healthcheck: {{test: ["CMD", "test", "-s", "/run/secrets/pw"], interval: 1s}}
    networks: {{back: {{aliases: [database]}}}}
    depends_on: {{init: {{condition: service_completed_successfully}}}}
  web:
    image: composer-test/busybox:1
    command: ["sh", "-c", "{LOOP}"]
    environment: {{MODE: {web_mode}}}
    deploy: {{replicas: 2, update_config: {{parallelism: 2, delay: 0s}}}}
    networks: [back]
    depends_on: {{db: {{condition: service_healthy}}}}
{extra}
networks:
  back: {{}}
secrets:
  pw: {{file: ./pw.txt}}
""")


def versions(engine, project: str) -> dict[str, tuple[str, int]]:
    found = {}
    for name in ("init", "db", "web"):
        service = inspect(engine, "service", f"{project}_{name}")
        found[name] = (service["ID"], service["Version"]["Index"])
    return found


def local_container(engine, service: str, seconds: float = 30.0) -> str:
    """A running task container of the service on this node. Bounded wait: on a loaded host
    Swarm may be restarting a task whose first start failed in the engine's network hook."""
    deadline = time.monotonic() + seconds
    while True:
        found = engine.docker("ps", "-q", "--filter", f"label=com.docker.swarm.service.name={service}").stdout.split()
        if found or time.monotonic() > deadline:
            assert found, f"no running container of {service} on this node within {seconds:g}s"
            return found[0]
        time.sleep(0.5)


def resolves(engine, container: str, name: str) -> bool:
    """Swarm's DNS learns a new task's names a moment after it runs: a few tries."""
    for _ in range(10):
        if engine.docker("exec", container, "ping", "-c1", "-W1", name, check=False, timeout=20).returncode == 0:
            return True
        time.sleep(0.5)
    return False


def test_stack_orders_waits_rolls_and_goes(swarm, tmp_path):
    project = "swst"
    directory = project_dir(tmp_path, project)
    stack_file(directory)
    up = compose(swarm, directory, "up", "-d", "--wait")
    lines = up.stderr
    assert "no IPVS" in lines or "IPVS" not in lines  # the routing line is said when it applies
    assert lines.index("Task swst_init.1  Exited") < lines.index("Service swst_db  Created")
    assert lines.index("Task swst_db.1  Healthy") < lines.index("Service swst_web  Created")
    init_done = inspect(swarm, "service", "swst_init")
    db = inspect(swarm, "service", "swst_db")
    assert db["CreatedAt"] > init_done["CreatedAt"]
    assert db["Spec"]["Labels"]["com.docker.stack.namespace"] == project
    stack_ps = swarm.docker("stack", "ps", project, "--format", "{{.Name}}").stdout.split()
    assert {"swst_init.1", "swst_db.1", "swst_web.1", "swst_web.2"} <= set(stack_ps)
    # the secret's content, and the network alias from a replica of another service
    assert swarm.docker("exec", local_container(swarm, "swst_db"), "cat", "/run/secrets/pw").stdout == "s3cret\n"
    assert resolves(swarm, local_container(swarm, "swst_web"), "database")
    network = inspect(swarm, "network", "swst_back")
    assert network["Driver"] == "overlay" and network["Attachable"]

    before = versions(swarm, project)
    again = compose(swarm, directory, "up", "-d")
    assert versions(swarm, project) == before, again.stderr
    assert "Service swst_web  Running" in again.stderr

    events = subprocess.Popen([sys.executable, "-m", "composer", "events", "--json"], cwd=directory, env=compose_env(swarm),
                              stdout=subprocess.PIPE, text=True)
    try:
        stack_file(directory, web_mode="two")
        rolled = compose(swarm, directory, "up", "-d")
        seen = first_event(events, lambda e: e["type"] == "service" and e["service"] == "web" and e["action"] == "update")
    finally:
        events.terminate()
        events.wait(10)
    assert seen is not None and seen["attributes"]["name"] == "swst_web"
    after = versions(swarm, project)
    assert after["web"][0] == before["web"][0] and after["web"][1] > before["web"][1]  # updated in place
    assert after["db"] == before["db"] and after["init"] == before["init"]
    assert "Service swst_web  Updated" in rolled.stderr

    old_secrets = set(listed(swarm, "secret", project))
    stack_file(directory, web_mode="two", password="changed")
    compose(swarm, directory, "up", "-d")
    new_secrets = set(listed(swarm, "secret", project))
    assert len(new_secrets) == 1 and new_secrets != old_secrets  # a new content-named secret; the old one removed
    assert swarm.docker("exec", local_container(swarm, "swst_db"), "cat", "/run/secrets/pw").stdout == "changed\n"

    assert compose(swarm, directory, "exec", "-T", "db", "cat", "/run/secrets/pw").stdout == "changed\n"
    refused = compose(swarm, directory, "stop", "db", check=False)
    assert refused.returncode == 1 and "the swarm driver does not" in refused.stderr and "Traceback" not in refused.stderr
    ps = compose(swarm, directory, "ps")
    assert "swst_web.2" in ps.stdout and "running" in ps.stdout
    logs = compose(swarm, directory, "logs", "init")
    assert "swst_init.1  | migrated" in logs.stdout

    compose(swarm, directory, "down")
    for kind in ("service", "network", "secret", "config"):
        assert listed(swarm, kind, project) == [], kind


def test_unsupported_settings_are_named_and_refused_unless_allowed(swarm, tmp_path):
    directory = project_dir(tmp_path, "swdrop", f"""
services:
  tool:
    image: composer-test/busybox:1
    command: ["sh", "-c", "{LOOP}"]
    privileged: true
    container_name: fixed
""")
    refused = compose(swarm, directory, "up", "-d", check=False)
    assert refused.returncode == 1
    assert "service tool: privileged: Swarm services cannot run privileged" in refused.stderr
    assert "service tool: container_name: Swarm names a service's tasks itself" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert listed(swarm, "service", "swdrop") == []
    allowed = compose(swarm, directory, "up", "-d", "--allow-dropped")
    assert "dropped: service tool: privileged" in allowed.stderr
    assert len(listed(swarm, "service", "swdrop")) == 1
    compose(swarm, directory, "down")
    assert listed(swarm, "service", "swdrop") == [] and listed(swarm, "network", "swdrop") == []


@pytest.mark.skipif(not have_registry(), reason="docker-registry is not installed")
def test_built_service_is_pushed_and_pinned_by_digest(swarm, tmp_path):
    directory = tmp_path / "swbuild"
    (directory / "app").mkdir(parents=True)
    (directory / "app" / "Dockerfile").write_text("FROM composer-test/busybox:1\nCOPY hello.txt /hello.txt\n")
    (directory / "app" / "hello.txt").write_text("built here\n")
    with LocalRegistry(tmp_path / "registry") as registry:
        (directory / "compose.yaml").write_text(f"""
x-registry: {registry.address}
services:
  app:
    build: ./app
    command: ["sh", "-c", "cat /hello.txt; {LOOP}"]
""")
        up = compose(swarm, directory, "up", "-d")
        assert f"Image {registry.address}/swbuild_app:latest  Pushed" in up.stderr
        image = inspect(swarm, "service", "swbuild_app")["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
        assert image.startswith(f"{registry.address}/swbuild_app@sha256:")
        again = compose(swarm, directory, "up", "-d")
        assert "Service swbuild_app  Running" in again.stderr and "Pushed" not in again.stderr
        compose(swarm, directory, "down")
