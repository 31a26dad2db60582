"""composer.events: snapshots of container state → Docker's container events, in order."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from composer.drivers.events import ContainerEvent, ContainerSnapshot, diff_container, diff_snapshots, event_json, event_text

T0 = datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=timezone.utc)
NOW = T0 + timedelta(seconds=10)
CREATED = ContainerSnapshot("p-web-1", "web", "created", "busybox:1", created_at=T0)
RUNNING = replace(CREATED, status="running", started_at=T0 + timedelta(seconds=1))


def actions(events: list[ContainerEvent]) -> list[str]:
    return [e.action for e in events]


def exited(snapshot: ContainerSnapshot, code: int, after: float = 2, **changes) -> ContainerSnapshot:
    return replace(snapshot, status="exited", exit_code=code, finished_at=snapshot.started_at + timedelta(seconds=after), **changes)


def test_no_change_no_event():
    assert diff_container(RUNNING, RUNNING, NOW) == []
    assert diff_snapshots({"p-web-1": RUNNING}, {"p-web-1": RUNNING}, NOW) == []


def test_create_then_start_then_die_with_exit_code():
    assert actions(diff_container(None, CREATED, NOW)) == ["create"]
    assert actions(diff_container(CREATED, RUNNING, NOW)) == ["start"]
    events = diff_container(RUNNING, exited(RUNNING, 3), NOW)
    assert actions(events) == ["die"]
    assert events[0].attributes == {"name": "p-web-1", "image": "busybox:1", "exitCode": "3"}
    assert events[0].time == RUNNING.started_at + timedelta(seconds=2)


def test_a_container_that_exits_at_once_still_gives_start_and_die_at_the_recorded_times():
    gone = exited(RUNNING, 0, after=0.01)
    events = diff_container(None, gone, NOW)
    assert actions(events) == ["create", "start", "die"]
    assert [e.time for e in events] == [T0, gone.started_at, gone.finished_at]
    assert events[2].attributes["exitCode"] == "0"


def test_stop_gives_kill_then_die_then_stop():
    stopping = replace(RUNNING, stop_requested=True)
    assert actions(diff_container(RUNNING, stopping, NOW)) == ["kill"]
    assert actions(diff_container(stopping, exited(stopping, 143), NOW)) == ["die", "stop"]
    assert actions(diff_container(RUNNING, exited(stopping, 137), NOW)) == ["kill", "die", "stop"]


def test_a_stopped_container_stays_quiet_and_a_new_start_is_one_start():
    stopped = exited(replace(RUNNING, stop_requested=True), 0)
    assert diff_container(stopped, stopped, NOW) == []
    again = replace(RUNNING, started_at=NOW, finished_at=None, exit_code=None)
    assert actions(diff_container(stopped, again, NOW)) == ["start"]


def test_policy_restart_seen_step_by_step_and_seen_only_at_the_end():
    restarting = replace(exited(RUNNING, 1), status="restarting")
    rerun = replace(RUNNING, started_at=NOW, restart_count=1)
    assert actions(diff_container(RUNNING, restarting, NOW)) == ["die"]
    assert actions(diff_container(restarting, rerun, NOW)) == ["start", "restart"]
    unseen = diff_container(RUNNING, rerun, NOW)
    assert actions(unseen) == ["die", "start", "restart"]
    assert "exitCode" not in unseen[0].attributes  # overwritten by the new run


def test_oom_comes_before_die():
    assert actions(diff_container(RUNNING, exited(RUNNING, 137, oom_killed=True), NOW)) == ["oom", "die"]


def test_pause_and_unpause():
    paused = replace(RUNNING, status="paused")
    assert actions(diff_container(RUNNING, paused, NOW)) == ["pause"]
    assert actions(diff_container(paused, RUNNING, NOW)) == ["unpause"]


def test_health_changes_within_a_run_but_not_the_initial_starting():
    starting = replace(RUNNING, health="starting")
    healthy = replace(RUNNING, health="healthy")
    assert actions(diff_container(CREATED, starting, NOW)) == ["start"]
    assert actions(diff_container(starting, healthy, NOW)) == ["health_status: healthy"]
    assert actions(diff_container(healthy, replace(RUNNING, health="unhealthy"), NOW)) == ["health_status: unhealthy"]
    assert actions(diff_container(CREATED, healthy, NOW)) == ["start", "health_status: healthy"]


def test_removal_of_a_running_container_gives_die_then_destroy():
    assert actions(diff_container(RUNNING, None, NOW)) == ["die", "destroy"]
    assert actions(diff_container(exited(RUNNING, 0), None, NOW)) == ["destroy"]


def test_supervisor_lost_gives_one_die_and_closing_the_record_no_second():
    dead = replace(RUNNING, status="dead")
    assert actions(diff_container(RUNNING, dead, NOW)) == ["die"]
    assert diff_container(dead, exited(RUNNING, 0), NOW) == []


def test_start_failure_is_a_die_with_its_code():
    failed = replace(CREATED, status="exited", exit_code=127, finished_at=T0)
    assert actions(diff_container(CREATED, failed, NOW)) == ["die"]


def test_diff_snapshots_interleaves_containers_by_time_keeping_each_ones_order():
    web = exited(replace(RUNNING, started_at=T0 + timedelta(seconds=3)), 0)  # start at 3 s, die at 5 s
    db = replace(CREATED, name="p-db-1", service="db", status="running", started_at=T0 + timedelta(seconds=4))
    events = diff_snapshots({}, {"p-db-1": db, "p-web-1": web}, NOW)
    assert [(e.container, e.action) for e in events] == [
        ("p-db-1", "create"), ("p-web-1", "create"), ("p-web-1", "start"), ("p-db-1", "start"), ("p-web-1", "die")
    ]


def test_json_has_compose_field_names_and_string_attributes():
    event = diff_container(RUNNING, exited(RUNNING, 2), NOW)[0]
    line = json.dumps(event_json(event))
    data = json.loads(line)
    assert list(data) == ["time", "type", "action", "id", "service", "attributes"]
    assert data["type"] == "container" and data["action"] == "die" and data["id"] == "p-web-1"
    assert data["service"] == "web"
    assert data["attributes"] == {"exitCode": "2", "image": "busybox:1", "name": "p-web-1"}
    assert data["time"] == "2026-11-22T10:00:03.123456Z"


def test_text_line_like_compose():
    event = ContainerEvent(T0, "start", "p-web-1", "web", {"name": "p-web-1", "image": "busybox:1"})
    local = T0.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")
    assert event_text(event) == f"{local} container start p-web-1 (image=busybox:1, name=p-web-1)"
