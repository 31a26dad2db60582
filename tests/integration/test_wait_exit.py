"""compose wait with real containers: exit codes printed and returned, --down-project, errors."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF

SERVICES = f"""
services:
  web:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
    stop_grace_period: 1s
  quick:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "sleep 0.5; exit 3"]
"""


def test_wait_prints_and_returns_the_exit_code(project):
    project.write(SERVICES)
    project.compose("up", "-d", "quick", check=True)
    result = project.compose("wait", "quick", timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (3, "3\n", "")
    again = project.compose("wait", "quick", timeout=60)  # already exited: at once
    assert (again.returncode, again.stdout) == (3, "3\n")


def test_wait_blocks_until_a_stop_and_the_first_to_stop_gives_the_status(project):
    project.write(SERVICES)
    project.compose("up", "-d", check=True)
    waiting = subprocess.Popen(
        [sys.executable, "-m", "composer", "-p", project.name, "wait", "web", "quick"],
        cwd=project.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")},
    )
    try:
        deadline = time.monotonic() + 30
        while project.containers()[f"{project.name}-quick-1"].status != "exited" and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert waiting.poll() is None  # web still runs
        project.compose("stop", "web", check=True)
        out, err = waiting.communicate(timeout=30)
    finally:
        if waiting.poll() is None:
            waiting.kill()
            waiting.wait()
    web_code = project.containers()[f"{project.name}-web-1"].exit_code
    assert (waiting.returncode, out, err) == (3, f"3\n{web_code}\n", "")


def test_down_project_after_the_wait(project):
    project.write(SERVICES)
    project.compose("up", "-d", check=True)
    result = project.compose("wait", "--down-project", "quick", timeout=90)
    assert result.returncode == 3 and result.stdout.splitlines()[0] == "3", result.stderr
    assert project.containers() == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("wait", "nope"), "error: no such service: nope in project {name}; services are: quick, web"),
        (("wait", "web"), "error: no containers for service web of project {name}; start them with `compose up -d`"),
    ],
)
def test_errors_are_one_line(project, args, message):
    project.write(SERVICES)
    result = project.compose(*args)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [message.format(name=project.name)]
