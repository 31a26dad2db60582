"""compose events with real containers: the sequence of (service, action) a user sees."""

from __future__ import annotations

import re
import signal

import pytest

from tests.support.images import BUSYBOX_REF
from test_events_support import EventStream, has

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF

WEB_AND_QUICK = f"""
services:
  web:
    image: {IMAGE}
    network_mode: none
    command: ["sleep", "600"]
    stop_grace_period: 1s
    healthcheck: {{test: ["CMD", "true"], interval: 100ms, retries: 3}}
  quick:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "exit 3"]
"""


@pytest.fixture
def stream_of(project):
    streams: list[EventStream] = []

    def start(*args: str) -> EventStream:
        streams.append(EventStream(project, *args))
        return streams[-1]

    yield start
    for stream in streams:
        stream.stop(signal.SIGKILL)


def test_lifecycle_gives_compose_events_in_order(project, stream_of):
    project.write(WEB_AND_QUICK)
    events = stream_of("--json")
    assert project.compose("up", "-d").returncode in (0, 1)  # quick exits at once; up may say so
    events.wait_for(has("web", "create", "start", "health_status: healthy"))
    events.wait_for(has("quick", "create", "start", "die"))
    die = [e for e in events.events() if e["service"] == "quick" and e["action"] == "die"][0]
    assert die["attributes"]["exitCode"] == "3"

    mark = len(events.seen("web"))
    assert project.compose("stop", "web").returncode == 0
    events.wait_for(has("web", "kill", "die", "stop", start=mark))
    assert project.compose("start", "web").returncode == 0
    events.wait_for(has("web", "start", "health_status: healthy", start=mark))

    mark = len(events.seen("web"))
    assert project.compose("pause", "web").returncode == 0
    events.wait_for(has("web", "pause", start=mark))
    assert project.compose("unpause", "web").returncode == 0
    events.wait_for(has("web", "unpause", start=mark))
    assert project.compose("kill", "web").returncode == 0
    events.wait_for(has("web", "kill", "die", start=mark))

    assert project.compose("down", "-t", "1").returncode == 0
    events.wait_for(has("web", "destroy"))
    events.wait_for(has("quick", "destroy"))
    code, stderr = events.stop()
    assert (code, stderr) == (0, "")
    assert events.seen("quick") == ["create", "start", "die", "destroy"]
    web = events.seen("web")
    assert web[:8] == [
        "create", "start", "health_status: healthy", "kill", "die", "stop", "start", "health_status: healthy"
    ]
    # a probe cannot run in a frozen container: health may flap around the pause
    assert [action for action in web[8:] if not action.startswith("health_status")] == [
        "pause", "unpause", "kill", "die", "stop", "destroy"
    ]


def test_text_lines_service_filter_and_ctrl_c(project, stream_of):
    project.write(WEB_AND_QUICK)
    events = stream_of("quick")
    project.compose("up", "-d", "quick")
    events.wait_for(lambda lines: any(" container die " in line for line in lines))
    code, stderr = events.stop(signal.SIGINT)
    assert (code, stderr) == (0, "")
    name = f"{project.name}-quick-1"
    pattern = re.compile(
        rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{{6}} container (\w+) {name} \((exitCode=3, )?image=\S*{re.escape(IMAGE)}, name={name}\)$"
    )
    matches = [pattern.match(line) for line in events.lines]
    assert all(matches), events.lines
    assert [m.group(1) for m in matches] == ["create", "start", "die"]


def test_container_created_after_events_started_and_a_restart_policy(project, stream_of):
    project.write(f"""
services:
  flappy:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "sleep 0.3; exit 1"]
    restart: on-failure:2
""")
    events = stream_of("--json")
    project.compose("up", "-d")
    events.wait_for(has("flappy", "create", "start", "die", "start", "restart", "die", "start", "restart", "die"))
    codes = [e["attributes"].get("exitCode") for e in events.events() if e["action"] == "die"]
    assert codes[-1] == "1"


def test_unknown_service_is_one_line(project):
    project.write(WEB_AND_QUICK)
    result = project.compose("events", "nope")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: no such service: nope in project {project.name}; services are: quick, web"
    ]
