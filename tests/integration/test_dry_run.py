"""The global --dry-run with real runc containers: the plan is printed, nothing on the host changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from composer import paths
from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF
DRY = " DRY-RUN MODE -  "

# Every kind of host path a spec hash covers: layers, a named volume, a config file, the
# /etc dir and the netns of a bridge network; so "Running" proves dry-run's hash is up's.
APP = f"""
services:
  web:
    image: {IMAGE}
    command: ["sleep", "600"]
    environment: {{MODE: one}}
    volumes: [data:/data]
    configs: [greeting]
  db:
    image: {IMAGE}
    command: ["sleep", "600"]
volumes:
  data: {{}}
configs:
  greeting:
    content: hello
ambassadors:
  catalogue:
    listen: tcp://:5432
    target: tcp://db:5432
"""


def host_traces(name: str) -> dict:
    """What a project leaves on the host: netns, its default bridge, its run dir, its volume."""
    from composer.drivers.runc.resources import volumes_root
    from netplugins.names import bridge_name

    netns = sorted(n for n in os.listdir("/run/netns") if n.startswith(f"{name}-")) if os.path.isdir("/run/netns") else []
    return {
        "netns": netns,
        "bridge": Path(f"/sys/class/net/{bridge_name(name, 'default')}").exists(),
        "run dir": (paths.run_root() / "projects" / name).exists(),
        "volume": (volumes_root() / f"{name}_data").exists(),
    }


def files_of(name: str) -> dict[str, tuple[int, int]]:
    """Every file of the project under the run and data roots → (mtime, size): a write shows."""
    roots = [paths.run_root() / "projects" / name, paths.data_root() / "ipam", paths.data_root() / "volumes" / f"{name}_data"]
    roots += [d for d in (paths.run_root() / "containers").glob(f"{name}-*")]
    found = {}
    for root in roots:
        for path in root.rglob("*") if root.is_dir() else []:
            if path.is_file() and path.name != "stats.json":  # the forwarder's live counters
                info = path.stat()
                found[str(path)] = (info.st_mtime_ns, info.st_size)
    return found


def snapshot(project) -> dict:
    return {name: (s.status, s.pid, s.started_at) for name, s in project.containers().items()}


def test_dry_run_up_on_a_fresh_project_prints_the_plan_and_makes_nothing(project):
    project.write(APP)
    result = project.compose("--dry-run", "up", "-d")
    assert result.returncode == 0, result.stderr
    for service in ("web", "db"):
        for step in ("Creating", "Created", "Starting", "Started"):
            assert f"{DRY}Container {project.name}-{service}-1  {step}" in result.stderr, result.stderr
    assert f"{DRY}Network {project.name}_default  Creating" in result.stderr
    assert f"{DRY}Volume {project.name}_data  Creating" in result.stderr
    assert f"{DRY}Ambassador catalogue  Creating" in result.stderr
    attached = project.compose("--dry-run", "up", timeout=60)  # no logs to follow: it returns
    assert attached.returncode == 0 and attached.stderr == result.stderr, attached.stderr
    assert project.containers() == {}
    assert project.compose("ps", "-a", "-q").stdout.strip() == ""
    assert host_traces(project.name) == {"netns": [], "bridge": False, "run dir": False, "volume": False}


def test_dry_run_up_after_an_edit_reports_recreate_for_only_that_service(project):
    project.write(APP)
    project.compose("up", "-d", check=True)
    before, traces, files = snapshot(project), host_traces(project.name), files_of(project.name)
    assert len(files) > 10  # records, hosts dirs, config file, leases, container state
    same = project.compose("--dry-run", "up", "-d")
    assert same.returncode == 0, same.stderr
    assert f"{DRY}Container {project.name}-web-1  Running" in same.stderr, same.stderr
    assert f"{DRY}Ambassador catalogue  Running" in same.stderr
    assert "Recreate" not in same.stderr and "Creating" not in same.stderr
    project.write(APP.replace("MODE: one", "MODE: two"))
    edited = project.compose("--dry-run", "up", "-d")
    assert edited.returncode == 0, edited.stderr
    assert f"{DRY}Container {project.name}-web-1  Recreate" in edited.stderr, edited.stderr
    assert f"{DRY}Container {project.name}-db-1  Running" in edited.stderr
    assert f"{project.name}-db-1  Recreate" not in edited.stderr
    assert snapshot(project) == before and host_traces(project.name) == traces
    assert files_of(project.name) == files
    done = project.compose("up", "-d")  # the real run carries out the very Plan the dry run printed
    assert done.returncode == 0, done.stderr
    assert f"Container {project.name}-web-1  Recreate" in done.stderr, done.stderr
    assert f"Container {project.name}-db-1  Running" in done.stderr
    assert f"{project.name}-db-1  Recreate" not in done.stderr


def test_dry_run_down_lists_everything_and_leaves_it_running(project):
    project.write(APP)
    project.compose("up", "-d", check=True)
    before, traces, files = snapshot(project), host_traces(project.name), files_of(project.name)
    result = project.compose("--dry-run", "down", "-v")
    assert result.returncode == 0, result.stderr
    for service in ("web", "db"):
        assert f"{DRY}Container {project.name}-{service}-1  Stopping" in result.stderr, result.stderr
        assert f"{DRY}Container {project.name}-{service}-1  Removed" in result.stderr
    assert f"{DRY}Network {project.name}_default  Removed" in result.stderr
    assert f"{DRY}Volume {project.name}_data  Removed" in result.stderr
    assert f"{DRY}Ambassador catalogue  Stopped" in result.stderr
    assert snapshot(project) == before and host_traces(project.name) == traces
    assert files_of(project.name) == files
    assert all(status == "running" for status, _, _ in before.values())


def test_dry_run_lifecycle_verbs_leave_the_containers_as_they_are(project):
    project.write(APP)
    project.compose("up", "-d", check=True)
    before = snapshot(project)
    web = f"{project.name}-web-1"
    for verb, word in (("stop", "Stopped"), ("kill", "Killed"), ("pause", "Paused"), ("restart", "Restarted")):
        result = project.compose("--dry-run", verb, "web")
        assert result.returncode == 0 and result.stderr == f"{DRY}Container {web}  {word}\n", (verb, result.stderr)
    removed = project.compose("--dry-run", "rm", "-s", "-f", "web")
    assert removed.stderr == f"{DRY}Container {web}  Removed\n", removed.stderr
    assert project.compose("--dry-run", "start").stderr == ""  # all running: nothing to start
    assert snapshot(project) == before


def test_dry_run_run_and_exec_run_nothing(project):
    project.write(APP)
    project.compose("up", "-d", check=True)
    before = snapshot(project)
    ran = project.compose("--dry-run", "run", "--rm", "web", "touch", "/tmp/ran")
    assert ran.returncode == 0 and f"{DRY}Container {project.name}-web-run-" in ran.stderr and "Started" in ran.stderr
    execd = project.compose("--dry-run", "exec", "-T", "web", "touch", "/tmp/execd")
    assert execd.returncode == 0 and execd.stderr == f"{DRY}Container {project.name}-web-1  Exec touch /tmp/execd\n"
    assert snapshot(project) == before  # no one-off container, nothing recreated
    assert project.compose("exec", "-T", "web", "ls", "/tmp/execd").returncode != 0


@pytest.mark.parametrize("compose_file, args, message", [
    (APP, ("nosuch",), "no such service: 'nosuch'"),
    ("services:\n  ghost:\n    image: composer-test/absent:1\n    pull_policy: never\n    network_mode: none\n", (),
     "service ghost: image composer-test/absent:1 is not in the local store and its pull policy is never"),
], ids=["unknown service", "image missing with pull_policy never"])
def test_dry_run_fails_with_the_error_of_a_real_run(project, compose_file, args, message):
    project.write(compose_file)
    dry = project.compose("--dry-run", "up", "-d", *args)
    real = project.compose("up", "-d", *args)
    assert dry.returncode == real.returncode != 0, dry.stderr
    errors = [[line for line in run.stderr.splitlines() if line.startswith("error: ")] for run in (dry, real)]
    assert errors[0] == errors[1] and message in errors[0][0], errors


def test_dry_run_pull_and_build_name_the_images(project):
    (project.dir / "ctx").mkdir()
    (project.dir / "ctx" / "Dockerfile").write_text(f"FROM {IMAGE}\n")
    project.write(APP.replace("services:\n", "services:\n  built:\n    build: ./ctx\n", 1))
    pulled = project.compose("--dry-run", "pull")
    assert pulled.returncode == 0, pulled.stderr
    assert f"{DRY}Image {IMAGE}  Pulling" in pulled.stderr
    assert project.compose("--dry-run", "pull", "--policy", "missing").stderr == ""
    built = project.compose("--dry-run", "build")
    assert built.returncode == 0, built.stderr
    assert f"{DRY}Image {project.name}-built  Building" in built.stderr
    from composer.images import ImageStore

    assert ImageStore().get(f"{project.name}-built") is None
