"""compose up/down/ps/logs/exec and friends with real runc containers (busybox image)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF

THREE_TIER = f"""
services:
  db:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "sleep 1; touch /shared/ready; exec sleep 600"]
    volumes: [shared:/shared]
    healthcheck: {{test: ["CMD", "test", "-f", "/shared/ready"], interval: 100ms, retries: 100}}
  app:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "test -f /shared/ready || exit 9; echo app saw db ready; exec sleep 600"]
    volumes: [shared:/shared]
    environment: {{MODE: one}}
    depends_on: {{db: {{condition: service_healthy}}}}
  web:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "echo web up; exec sleep 600"]
    depends_on: [app]
  lone:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
volumes:
  shared: {{}}
"""


def test_up_waits_for_healthy_and_starts_in_order(project):
    project.write(THREE_TIER)
    result = project.compose("up", "-d")
    assert result.returncode == 0, result.stderr
    states = project.containers()
    names = {f"{project.name}-{s}-1" for s in ("db", "app", "web", "lone")}
    assert set(states) == names
    assert all(state.status == "running" for state in states.values()), states
    db, app, web = (states[f"{project.name}-{s}-1"] for s in ("db", "app", "web"))
    assert db.health.status == "healthy"
    assert app.started_at > db.started_at and web.started_at >= app.started_at
    assert "app saw db ready" in project.compose("logs", "app").stdout


def test_independent_services_start_concurrently(project):
    project.write("services:\n" + "".join(
        f"  s{i}:\n    image: {IMAGE}\n    network_mode: none\n    command: [sleep, '600']\n" for i in range(4)
    ))
    assert project.compose("up", "-d").returncode == 0
    starts = sorted(state.started_at.timestamp() for state in project.containers().values())
    # four containers started one after another would span ≥ 4 × a single start (~0.1 s)
    assert len(starts) == 4 and starts[-1] - starts[0] < 4 * 0.1 + 0.3


def test_second_up_changes_nothing_and_an_edit_recreates_only_that_service(project):
    project.write(THREE_TIER)
    assert project.compose("up", "-d").returncode == 0
    before = {name: (s.pid, s.started_at) for name, s in project.containers().items()}
    again = project.compose("up", "-d")
    assert again.returncode == 0 and "Created" not in again.stderr and "Recreate" not in again.stderr
    assert {name: (s.pid, s.started_at) for name, s in project.containers().items()} == before
    project.write(THREE_TIER.replace("MODE: one", "MODE: two"))
    edited = project.compose("up", "-d")
    assert edited.returncode == 0, edited.stderr
    after = {name: (s.pid, s.started_at) for name, s in project.containers().items()}
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {f"{project.name}-app-1"}
    assert project.compose("exec", "-T", "app", "sh", "-c", "echo $MODE").stdout.strip() == "two"


def test_a_failing_dependency_blocks_only_its_dependents(project):
    project.write(f"""
services:
  db:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "exit 4"]
    healthcheck: {{test: ["CMD", "true"], interval: 100ms}}
  app:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
    depends_on: {{db: {{condition: service_healthy}}}}
  other:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
""")
    result = project.compose("up", "-d")
    assert result.returncode == 1
    assert f"dependency failed to start: container {project.name}-db-1 exited (4)" in result.stderr  # Compose v2's words
    states = project.containers()
    assert f"{project.name}-app-1" not in states
    assert states[f"{project.name}-other-1"].status == "running"


def test_exit_code_from_a_test_runner(project):
    project.write(f"""
services:
  server:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
  tests:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "echo running tests; sleep 0.5; echo 2 failures; exit 3"]
    depends_on: [server]
""")
    result = project.compose("up", "--exit-code-from", "tests", "-t", "1")
    assert result.returncode == 3, result.stderr
    assert "2 failures" in result.stdout
    assert all(state.status == "exited" for state in project.containers().values())


def test_volumes_persist_across_down_and_go_with_down_v(project):
    project.write(f"""
services:
  store:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "cat /data/count 2>/dev/null; echo x >> /data/count; exec sleep 600"]
    volumes: [data:/data]
volumes:
  data: {{}}
""")
    for _ in range(2):
        assert project.compose("up", "-d").returncode == 0
        assert project.compose("down", "-t", "0").returncode == 0
    assert project.compose("up", "-d").returncode == 0
    time.sleep(0.3)
    assert project.compose("exec", "-T", "store", "wc", "-l", "/data/count").stdout.split()[0] == "3"
    assert project.compose("down", "-v", "-t", "0").returncode == 0
    assert project.compose("up", "-d").returncode == 0
    time.sleep(0.3)
    assert project.compose("exec", "-T", "store", "wc", "-l", "/data/count").stdout.split()[0] == "1"


def test_logs_go_to_a_host_directory_and_rotate(project):
    project.write(f"""
services:
  chatty:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "i=0; while [ $$i -lt 400 ]; do echo line $$i padding-padding-padding; i=$$((i+1)); done; exec sleep 600"]
    logging:
      driver: json-file
      options: {{path: ./logs/, max-size: 4k, max-file: "3"}}
""")
    assert project.compose("up", "-d").returncode == 0
    logs_dir = project.dir / "logs"
    deadline = time.monotonic() + 10
    name = f"{project.name}-chatty-1"
    while time.monotonic() < deadline and not (logs_dir / f"{name}.log.2").exists():
        time.sleep(0.1)
    files = sorted(p.name for p in logs_dir.iterdir())
    assert files == [f"{name}.log", f"{name}.log.1", f"{name}.log.2"]
    assert all(p.stat().st_size <= 4096 + 200 for p in logs_dir.iterdir())
    tail = project.compose("logs", "--no-log-prefix", "--tail", "2", "chatty").stdout.splitlines()
    assert tail == ["line 398 padding-padding-padding", "line 399 padding-padding-padding"]
    assert project.compose("down", "-t", "0").returncode == 0
    assert (logs_dir / f"{name}.log").exists()  # host logs outlive the container


def test_exec_stop_start_kill_rm_and_down_leave_nothing(project):
    project.write(f"services:\n  box:\n    image: {IMAGE}\n    network_mode: none\n    command: [sleep, '600']\n")
    assert project.compose("up", "-d").returncode == 0
    name = f"{project.name}-box-1"
    assert project.compose("exec", "-T", "box", "sh", "-c", "exit 5").returncode == 5
    assert project.compose("exec", "-T", "-u", "app", "box", "id", "-u").stdout.strip() == "1000"
    assert project.compose("stop", "-t", "1", "box").returncode == 0
    assert project.ps()[name]["State"] == "exited"
    assert project.compose("start", "box").returncode == 0
    assert project.ps()[name]["State"] == "running"
    assert project.compose("pause", "box").returncode == 0
    assert project.ps()[name]["State"] == "paused"
    assert project.compose("unpause", "box").returncode == 0
    assert project.compose("kill", "box").returncode == 0
    assert project.ps()[name]["State"] == "exited"
    assert project.compose("rm", "-f", "box").returncode == 0
    assert project.ps() == {}
    assert project.compose("up", "-d").returncode == 0
    assert project.compose("down", "-t", "0").returncode == 0
    from composer import paths

    assert not (paths.run_root() / "containers" / name).exists()
    assert not (paths.run_root() / "projects" / project.name).exists()
    assert name not in Path("/proc/self/mountinfo").read_text()


def test_ps_json_fields(project):
    project.write(f"services:\n  box:\n    image: {IMAGE}\n    network_mode: none\n    command: [sleep, '600']\n")
    assert project.compose("up", "-d").returncode == 0
    row = project.ps()[f"{project.name}-box-1"]
    assert set(row) >= {"ID", "Name", "Image", "Command", "Project", "Service", "Created", "State", "Status", "Health", "ExitCode", "Publishers"}
    assert (row["Project"], row["Service"], row["State"], row["Command"]) == (project.name, "box", "running", "\"sleep 600\"")  # quoted, as Compose ≥ 2.21
    assert row["Image"].endswith("composer-test/busybox:1") and row["Status"].startswith("Up ")


def test_up_builds_a_service_without_an_image_and_build_rebuilds(project):
    (project.dir / "app").mkdir()
    (project.dir / "app" / "Dockerfile").write_text(f'FROM {IMAGE}\nRUN echo v1 > /version\nCMD ["sh", "-c", "cat /version; exec sleep 600"]\n')
    project.write("services:\n  app:\n    build: ./app\n    network_mode: none\n")
    result = project.compose("up", "-d")
    assert result.returncode == 0, result.stderr
    assert "Built" in result.stderr
    assert project.compose("exec", "-T", "app", "cat", "/version").stdout.strip() == "v1"
    (project.dir / "app" / "Dockerfile").write_text(f'FROM {IMAGE}\nRUN echo v2 > /version\nCMD ["sh", "-c", "cat /version; exec sleep 600"]\n')
    assert project.compose("build", "-q").returncode == 0
    assert project.compose("up", "-d").returncode == 0  # the new image changes the spec: recreated
    assert project.compose("exec", "-T", "app", "cat", "/version").stdout.strip() == "v2"
