"""The no-op `up -d` fast path (composer/drivers/runc/converged.py) answers only when nothing changed:
anything live that differs from the converged record sends `up` down the normal path."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.support.images import BUSYBOX_REF as IMAGE

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

TWO = f"""
services:
  web:
    image: {IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    environment: {{MODE: one}}
  worker:
    image: {IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
"""


def _record(project) -> dict:
    from composer.drivers.runc import records

    return json.loads((records.project_dir(project.name) / "converged.json").read_text())


def _starts(project) -> dict:
    return {name: (s.pid, s.started_at) for name, s in project.containers().items()}


def test_unchanged_project_is_answered_from_the_record(project):
    project.write(TWO)
    project.compose("up", "-d", check=True)
    saved = _record(project)
    assert set(saved["containers"]) == {f"{project.name}-web-1", f"{project.name}-worker-1"}
    assert saved["interfaces"] and all(os.path.exists(f"/sys/class/net/{i}") for i in saved["interfaces"])
    before = _starts(project)
    again = project.compose("up", "-d", check=True)
    assert again.stderr.count("Running") == 2 and "Created" not in again.stderr
    assert _starts(project) == before


def test_a_stopped_container_takes_the_normal_path_and_is_started(project):
    project.write(TWO)
    project.compose("up", "-d", check=True)
    project.compose("stop", "worker", check=True)
    again = project.compose("up", "-d", check=True)
    assert "Started" in again.stderr
    assert project.containers()[f"{project.name}-worker-1"].status == "running"


def test_an_edit_recreates_and_records_anew(project):
    project.write(TWO)
    project.compose("up", "-d", check=True)
    first = _record(project)["fingerprint"]
    project.write(TWO.replace("MODE: one", "MODE: two"))
    edited = project.compose("up", "-d", check=True)
    assert "Recreate" in edited.stderr
    assert _record(project)["fingerprint"] != first
    assert project.compose("exec", "-T", "web", "sh", "-c", "echo $MODE").stdout.strip() == "two"


def _still_converged(project) -> bool:
    from composer.drivers.runc import converged
    from composer.config.load import load_project
    from composer.config.options import LoadOptions
    from composer.runtime import RuncRuntime

    model = load_project(LoadOptions(project_name=project.name, cwd=str(project.dir)))
    return converged.unchanged(model, RuncRuntime()) is not None


def test_a_dead_supervisor_or_a_lost_interface_is_not_taken_for_converged(project):
    project.write(TWO)
    project.compose("up", "-d", check=True)
    assert _still_converged(project)
    web = project.containers()[f"{project.name}-web-1"]
    os.kill(web.supervisor_pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while project.containers()[web.name].supervisor_alive and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _still_converged(project)


def test_a_retagged_image_is_not_taken_for_converged(project, image_store):
    project.write(TWO)
    project.compose("up", "-d", check=True)
    assert _still_converged(project)
    ref = f"composer-test/noop-{project.name}:1"
    image_store.import_rootfs(_tiny_rootfs(project.dir), ref)
    try:
        assert not _still_converged(project)  # the store's index changed: plan again
    finally:
        image_store.remove(ref)


def _tiny_rootfs(directory):
    import tarfile

    path = directory / "tiny.tar"
    with tarfile.open(path, "w") as tar:
        (directory / "hello").write_text("hi\n")
        tar.add(directory / "hello", arcname="hello")
    return path


def test_a_partial_up_records_nothing(project):
    project.write(TWO)
    project.compose("up", "-d", "web", check=True)
    from composer.drivers.runc import records

    assert not (records.project_dir(project.name) / "converged.json").exists()
