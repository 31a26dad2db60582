"""Container events without a daemon: the difference between two snapshots of the state dirs.

The supervisors record each container's state (status, start and finish times, exit
code, health); `compose events` takes a snapshot whenever a state dir changes and
turns each difference into the events Docker would have sent, in Docker's order:

    create, start, restart*, health_status: healthy|unhealthy, pause, unpause,
    kill (a stop or kill was asked for), oom, die, stop (the exit was asked for), destroy

Events that happened between two snapshots are inferred from the recorded times: a
container that exited at once still gives start (at its started_at) and die (at its
finished_at). A run that ended unseen before the next one started gives a die without
exitCode (its code was overwritten). *restart: the supervisor restarted the container by
its restart policy (restart_count grew); Docker sends only die and start there.

Pure: no I/O, so every rule is unit-tested.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import datetime, timezone

RUNNING_STATUSES = ("running", "paused", "restarting")
ENDED_STATUSES = ("exited", "restarting", "dead")


@dataclass(frozen=True)
class ContainerSnapshot:
    """What events are derived from: one container's state at one moment."""

    name: str
    service: str
    status: str  # created | running | restarting | paused | exited | dead
    image: str = ""
    exit_code: int | None = None
    oom_killed: bool = False
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    restart_count: int = 0
    health: str | None = None  # starting | healthy | unhealthy; None: no healthcheck
    stop_requested: bool = False  # the state dir holds a stop-request (stop, kill, rm)


@dataclass(frozen=True)
class ContainerEvent:
    time: datetime  # timezone-aware
    action: str
    container: str
    service: str
    attributes: dict[str, str] = field(default_factory=dict)


def diff_snapshots(
    before: dict[str, ContainerSnapshot], after: dict[str, ContainerSnapshot], now: datetime
) -> list[ContainerEvent]:
    """Every container's events, interleaved by time; each container's stay in their order."""
    per_container = [diff_container(before.get(n), after.get(n), now) for n in sorted(before.keys() | after.keys())]
    return list(heapq.merge(*per_container, key=lambda event: event.time))


def diff_container(before: ContainerSnapshot | None, after: ContainerSnapshot | None, now: datetime) -> list[ContainerEvent]:
    if after is None:
        return _removed(before, now) if before is not None else []
    if before is None:
        created = _event(after, "create", min(t for t in (after.created_at, after.started_at, now) if t is not None))
        return [created] + diff_container(_fresh(after), after, now)
    events = _runs(before, after, now)
    events += _health(before, after, now)
    events += _pause(before, after, now)
    events += _ending(before, after, now)
    return events


def _fresh(snapshot: ContainerSnapshot) -> ContainerSnapshot:
    """The same container as it was just after create: nothing has run yet."""
    return ContainerSnapshot(snapshot.name, snapshot.service, "created", snapshot.image, created_at=snapshot.created_at)


def _removed(before: ContainerSnapshot, now: datetime) -> list[ContainerEvent]:
    events = []
    if before.status in RUNNING_STATUSES and before.status != "restarting":
        events.append(_event(before, "die", now))  # removed while running; its exit went unseen
    return events + [_event(before, "destroy", now)]


def _runs(before: ContainerSnapshot, after: ContainerSnapshot, now: datetime) -> list[ContainerEvent]:
    """A new run began (started_at moved): the unseen end of the old one, then the start."""
    if after.started_at is None or after.started_at == before.started_at:
        return []
    events = []
    if before.started_at is not None and before.finished_at is None and before.status != "dead":
        events.append(_event(before, "die", after.started_at))  # exited and restarted between looks
    events.append(_event(after, "start", after.started_at))
    if after.restart_count > before.restart_count:
        events.append(_event(after, "restart", after.started_at))
    return events


def _health(before: ContainerSnapshot, after: ContainerSnapshot, now: datetime) -> list[ContainerEvent]:
    """Changes of health within a run; a run begins "starting" without an event (as Docker)."""
    previous = "starting" if after.started_at != before.started_at else before.health
    if after.health is None or after.health == previous or after.started_at is None:
        return []
    return [_event(after, f"health_status: {after.health}", now)]


def _pause(before: ContainerSnapshot, after: ContainerSnapshot, now: datetime) -> list[ContainerEvent]:
    if before.status != "paused" and after.status == "paused":
        return [_event(after, "pause", now)]
    if before.status == "paused" and after.status == "running":
        return [_event(after, "unpause", now)]
    return []


def _ending(before: ContainerSnapshot, after: ContainerSnapshot, now: datetime) -> list[ContainerEvent]:
    """kill when a stop is asked for; oom, die (with exitCode) and stop when the run ends."""
    ended = after.status in ENDED_STATUSES and (
        before.status not in ENDED_STATUSES or before.started_at != after.started_at
    )
    events = []
    if after.stop_requested and not before.stop_requested and (before.status in RUNNING_STATUSES or ended):
        events.append(_event(after, "kill", after.finished_at if ended and after.finished_at else now))
    if not ended:
        return events
    when = after.finished_at or now
    if after.oom_killed:
        events.append(_event(after, "oom", when))
    exit_code = {"exitCode": str(after.exit_code)} if after.exit_code is not None else {}
    events.append(_event(after, "die", when, exit_code))
    if after.stop_requested:
        events.append(_event(after, "stop", when))
    return events


def _event(snapshot: ContainerSnapshot, action: str, when: datetime, extra: dict[str, str] | None = None) -> ContainerEvent:
    attributes = {"image": snapshot.image, "name": snapshot.name, **(extra or {})}
    return ContainerEvent(when, action, snapshot.name, snapshot.service, attributes)


def event_json(event: ContainerEvent) -> dict:
    """Docker Compose's `events --json` object (time is RFC 3339, UTC)."""
    return {
        "time": event.time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "type": "container",
        "action": event.action,
        "id": event.container,
        "service": event.service,
        "attributes": dict(sorted(event.attributes.items())),
    }


def event_text(event: ContainerEvent) -> str:
    """Docker Compose's line: local time, action, id, (sorted attributes)."""
    when = event.time.astimezone().strftime("%Y-%m-%d %H:%M:%S.%f")
    attributes = ", ".join(f"{key}={value}" for key, value in sorted(event.attributes.items()))
    return f"{when} container {event.action} {event.container} ({attributes})"
