"""The machine-readable output contract (docs/json-output.md), field by field, on real containers:
`ps --format json` as it is printed today, and `events --json`."""

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
    healthcheck: {{test: ["CMD", "true"], interval: 100ms, retries: 3}}
  quick:
    image: {IMAGE}
    network_mode: none
    command: ["sh", "-c", "exit 3"]
"""

PS_FIELDS = {
    "ID", "Name", "Image", "Command", "Project", "Service", "Created",
    "State", "Status", "Health", "ExitCode", "Publishers",
}
PUBLISHER_FIELDS = {"URL", "TargetPort", "PublishedPort", "Protocol"}
EVENT_FIELDS = ["time", "type", "action", "id", "service", "attributes"]


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


def test_ps_json_fields_and_types(project):
    project.write(PROJECT)
    before = int(time.time())
    project.compose("up", "-d")
    after = int(time.time()) + 1
    rows = wait_healthy(project)
    assert set(rows) == {"web", "quick"}
    for service, row in rows.items():
        assert set(row) == PS_FIELDS, service
        assert row["ID"] == row["Name"] == f"{project.name}-{service}-1"
        assert isinstance(row["Image"], str) and row["Image"].endswith(IMAGE)
        assert row["Project"] == project.name and row["Service"] == service
        assert isinstance(row["Created"], int) and before - 1 <= row["Created"] <= after
        assert isinstance(row["ExitCode"], int) and isinstance(row["Publishers"], list)

    web, quick = rows["web"], rows["quick"]
    assert web["Command"] == "sleep 600" and quick["Command"] == "sh -c exit 3"
    assert (web["State"], web["Health"], web["ExitCode"]) == ("running", "healthy", 0)
    assert re.fullmatch(r"Up \d+ seconds? \(healthy\)", web["Status"]), web["Status"]
    [publisher] = web["Publishers"]
    assert set(publisher) == PUBLISHER_FIELDS
    assert (publisher["URL"], publisher["TargetPort"], publisher["Protocol"]) == ("127.0.0.1", 80, "tcp")
    assert isinstance(publisher["PublishedPort"], int) and 0 < publisher["PublishedPort"] < 65536

    assert (quick["State"], quick["Health"], quick["ExitCode"], quick["Publishers"]) == ("exited", "", 3, [])
    assert re.fullmatch(r"Exited \(3\) \d+ seconds? ago", quick["Status"]), quick["Status"]

    project.compose("pause", "web", check=True)
    paused = ps_rows(project)["web"]
    assert paused["State"] == "paused" and "(Paused)" in paused["Status"]
    project.compose("unpause", "web", check=True)


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
