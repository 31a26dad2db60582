"""What `up --wait` and depends_on conditions say while they wait, and when they give up.

The lines asserted here are Compose v2 2.40's, read off `docker compose --progress plain`
on the same files (Waiting / Healthy / Exited / Error, `container X is unhealthy`,
`dependency failed to start: …`, `service "X" didn't complete successfully: exit N`,
`application not healthy after Ns`, exit code 1); after them, composer adds one line per
container that was not ready and why, and a wait longer than 5 s says what it waits for.
"""

from __future__ import annotations

import re

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

SLEEPER = f"    image: {BUSYBOX_REF}\n    command: sleep 300\n    network_mode: none\n"


def never_healthy(retries: int) -> str:
    return ('    healthcheck: {test: ["CMD-SHELL", "echo not listening yet; exit 1"], '
            f"interval: 1s, retries: {retries}}}\n")


def test_a_long_wait_says_what_for_and_its_timeout_says_why(project):
    project.write("services:\n  db:\n" + SLEEPER + never_healthy(100) + "  web:\n" + SLEEPER)
    result = project.compose("up", "--wait", "--wait-timeout", "7", timeout=60)
    db = f"{project.name}-db-1"
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f" Container {db}  Waiting" in lines and f" Container {project.name}-web-1  Healthy" in lines
    slow = [line for line in lines if re.fullmatch(rf" Container {db}  Waiting \(\d+s\): health starting, .*", line)]
    assert slow and "last probe exit 1: not listening yet" in slow[0]
    end = lines.index("application not healthy after 7s")
    assert lines[end + 1] == f"{db}: health starting, last probe exit 1: not listening yet"


def test_an_unhealthy_dependency_fails_in_compose_v2s_words_then_says_why(project):
    project.write("services:\n  db:\n" + SLEEPER + never_healthy(2)
                  + "  web:\n" + SLEEPER + "    depends_on: {db: {condition: service_healthy}}\n")
    result = project.compose("up", "-d", timeout=60)
    db = f"{project.name}-db-1"
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines.index(f" Container {db}  Waiting") < lines.index(f" Container {db}  Error")
    end = lines.index(f"dependency failed to start: container {db} is unhealthy")
    assert lines[end + 1] == f"{db}: health unhealthy, last probe exit 1: not listening yet"
    assert f"{project.name}-web-1" not in project.ps()


def test_a_failed_one_shot_dependency_and_a_passing_chain(project):
    project.write("services:\n  init:\n" + SLEEPER.replace("sleep 300", "sh -c 'exit 3'")
                  + "  web:\n" + SLEEPER + "    depends_on: {init: {condition: service_completed_successfully}}\n")
    result = project.compose("up", "-d", timeout=60)
    assert result.returncode == 1
    assert 'service "init" didn\'t complete successfully: exit 3' in result.stderr.splitlines()

    project.write("services:\n  init:\n" + SLEEPER.replace("sleep 300", '"true"')
                  + "  db:\n" + SLEEPER + '    healthcheck: {test: ["CMD", "true"], interval: 1s}\n'
                  + "  web:\n" + SLEEPER
                  + "    depends_on: {init: {condition: service_completed_successfully}, db: {condition: service_healthy}}\n")
    result = project.compose("up", "-d", timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    for name, word in (("init", "Exited"), ("db", "Healthy")):
        container = f" Container {project.name}-{name}-1  "
        assert lines.index(container + "Waiting") < lines.index(container + word)
