"""The machine-readable output contract (docs/json-output.md), field by field, on real containers:
`ps --format json` (Compose ≥ 2.21's fields) and `events --json`."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone

import pytest

from tests.support.images import BUSYBOX_REF
from test_events_support import EventStream, has

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF

PROJECT = f"""
services:
  web:
    image: {IMAGE}
    command: ["sleep", "600"]
    ports: ["127.0.0.1::80"]
    expose: ["8080"]
    labels: {{com.example.role: frontend}}
    volumes: ["data:/data", "./conf:/conf:ro"]
    healthcheck: {{test: ["CMD", "true"], interval: 100ms, retries: 3}}
  quick:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "exit 3"]
volumes:
  data: {{}}
"""

# Compose ≥ 2.21's keys (docker/cli's container formatter), plus Created (Compose < 2.21).
PS_FIELDS = [
    "Command", "Created", "CreatedAt", "ExitCode", "Health", "ID", "Image", "Labels", "LocalVolumes",
    "Mounts", "Name", "Names", "Networks", "Ports", "Project", "Publishers", "RunningFor", "Service",
    "Size", "State", "Status",
]
STRING_FIELDS = set(PS_FIELDS) - {"Created", "ExitCode", "Publishers"}
PUBLISHER_FIELDS = {"URL", "TargetPort", "PublishedPort", "Protocol"}
EVENT_FIELDS = ["time", "type", "action", "id", "service", "attributes"]
RUNNING_FOR = r"(Less than a second|1 second|\d+ seconds|About a minute|\d+ minutes) ago"


def ps_rows(project) -> dict[str, dict]:
    out = project.compose("ps", "-a", "--format", "json", check=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]  # one JSON object per line
    assert all(isinstance(row, dict) for row in rows)
    return {row["Service"]: row for row in rows}


def wait_healthy(project, timeout: float = 30) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    rows = ps_rows(project)
    while rows["web"]["Health"] != "healthy" and time.monotonic() < deadline:
        time.sleep(0.2)
        rows = ps_rows(project)
    return rows


def compose_labels(project, service: str, own: str = "") -> str:
    """Labels as Compose prints them here: k=v sorted by key, joined by commas."""
    return (
        f"com.docker.compose.container-number=1,com.docker.compose.oneoff=False,"
        f"com.docker.compose.project={project.name},com.docker.compose.service={service}{own}"
    )


def ellipsis(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@pytest.fixture
def ps_project(project):
    project.write(PROJECT)
    (project.dir / "conf").mkdir()
    before = int(time.time())
    project.compose("up", "-d", check=True)
    project.created_window = (before - 1, int(time.time()) + 1)
    return project


def test_ps_json_fields_and_types(ps_project):
    project = ps_project
    rows = wait_healthy(project)
    assert set(rows) == {"web", "quick"}
    for service, row in rows.items():
        assert list(row) == PS_FIELDS, service  # Compose's keys, sorted as it prints them
        assert all(isinstance(row[key], str) for key in STRING_FIELDS), service
        assert row["Name"] == row["Names"] == f"{project.name}-{service}-1"
        assert len(row["ID"]) == 12 and int(row["ID"], 16) >= 0  # Docker's short id
        assert row["Image"].endswith(IMAGE)
        assert row["Project"] == project.name and row["Service"] == service
        assert isinstance(row["Created"], int) and project.created_window[0] <= row["Created"] <= project.created_window[1]
        created = datetime.fromtimestamp(row["Created"], timezone.utc)
        assert row["CreatedAt"] == created.strftime("%Y-%m-%d %H:%M:%S +0000 UTC")
        assert re.fullmatch(RUNNING_FOR, row["RunningFor"]), row["RunningFor"]
        assert row["Size"] == "0B"
        assert isinstance(row["ExitCode"], int) and isinstance(row["Publishers"], list)
        assert all(list(p) == ["URL", "TargetPort", "PublishedPort", "Protocol"] for p in row["Publishers"])

    web, quick = rows["web"], rows["quick"]
    assert web["Command"] == '"sleep 600"' and quick["Command"] == '"sh -c \'exit 3\'"'
    assert (web["State"], web["Health"], web["ExitCode"]) == ("running", "healthy", 0)
    assert re.fullmatch(r"Up \d+ seconds? \(healthy\)", web["Status"]), web["Status"]
    assert web["Labels"] == compose_labels(project, "web", ",com.example.role=frontend")
    assert web["LocalVolumes"] == "1"
    assert web["Mounts"] == f"{project.name}_data,{ellipsis(str(project.dir / 'conf'), 15)}"
    assert web["Networks"] == f"{project.name}_default"
    published, exposed = web["Publishers"]
    assert (published["URL"], published["TargetPort"], published["Protocol"]) == ("127.0.0.1", 80, "tcp")
    assert isinstance(published["PublishedPort"], int) and 0 < published["PublishedPort"] < 65536
    assert exposed == {"URL": "", "TargetPort": 8080, "PublishedPort": 0, "Protocol": "tcp"}
    assert web["Ports"] == f"127.0.0.1:{published['PublishedPort']}->80/tcp"

    assert (quick["State"], quick["Health"], quick["ExitCode"], quick["Publishers"]) == ("exited", "", 3, [])
    assert re.fullmatch(r"Exited \(3\) \d+ seconds? ago", quick["Status"]), quick["Status"]
    assert quick["Labels"] == compose_labels(project, "quick")
    assert (quick["LocalVolumes"], quick["Mounts"], quick["Networks"], quick["Ports"]) == ("0", "", "none", "")

    project.compose("pause", "web", check=True)
    paused = ps_rows(project)["web"]
    assert paused["State"] == "paused" and "(Paused)" in paused["Status"]
    project.compose("unpause", "web", check=True)


def test_ps_table_keeps_its_columns(ps_project):
    """The table is for people and stays as it was: the plain command, published ports only."""
    project = ps_project
    port = ps_rows(project)["web"]["Publishers"][0]["PublishedPort"]
    lines = project.compose("ps", "-a", check=True).stdout.splitlines()
    assert lines[0].split() == ["NAME", "IMAGE", "COMMAND", "SERVICE", "STATUS", "PORTS"]
    [web] = [line for line in lines if line.startswith(f"{project.name}-web-1")]
    assert "   sleep 600   " in web and web.endswith(f"127.0.0.1:{port}->80/tcp")
    [quick] = [line for line in lines if line.startswith(f"{project.name}-quick-1")]
    assert "   sh -c exit 3   " in quick


def test_events_json_fields_and_types(project):
    project.write(PROJECT)
    events = EventStream(project, "--json")
    try:
        project.compose("up", "-d", "quick")
        events.wait_for(has("quick", "create", "start", "die"))
        project.compose("rm", "-f", "quick", check=True)
        events.wait_for(has("quick", "destroy"))
    finally:
        code, stderr = events.stop()
    assert (code, stderr) == (0, "")
    objects = events.events()
    assert [e["action"] for e in objects] == ["create", "start", "die", "destroy"]
    name = f"{project.name}-quick-1"
    times = []
    for event in objects:
        assert list(event) == EVENT_FIELDS
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", event["time"])
        times.append(datetime.fromisoformat(event["time"]))
        assert (event["type"], event["id"], event["service"]) == ("container", name, "quick")
        attributes = event["attributes"]
        assert all(isinstance(v, str) for v in attributes.values())
        expected = {"name", "image", "exitCode"} if event["action"] == "die" else {"name", "image"}
        assert set(attributes) == expected
        assert attributes["name"] == name and attributes["image"].endswith(IMAGE)
    assert objects[2]["attributes"]["exitCode"] == "3"
    assert times == sorted(times) and all(t.tzinfo == timezone.utc for t in times)
