"""A service's tasks as the ContainerStates every driver reports, so the executor's waits
(executor/conditions.py: started, healthy, completed) and `ps` read Swarm as they read runc.

Only each slot's newest task counts (an update or a restart leaves older ones behind,
shut down). Health comes from the task state: Swarm holds a task with a healthcheck in
`starting` until its container is healthy, then `running`, and this holds on every node
(the local engine could say more, but only about its own containers)."""

from __future__ import annotations

from datetime import datetime

from composer.drivers.protocol import ContainerState
from composer.drivers.swarm import names
from composer.runtime.api import HealthState

# Swarm's task states → a container's status
_STATUS = {
    "new": "created", "pending": "created", "assigned": "created", "accepted": "created", "preparing": "created",
    "starting": "running", "ready": "created", "running": "running",
    "complete": "exited", "failed": "exited", "shutdown": "exited", "rejected": "dead", "orphaned": "dead", "remove": "dead",
}


def newest_tasks(tasks: list[dict]) -> list[dict]:
    """Each slot's (replicated) or node's (global) newest task."""
    newest: dict = {}
    for task in tasks:
        key = task.get("Slot") or task.get("NodeID")
        if key not in newest or task["Version"]["Index"] > newest[key]["Version"]["Index"]:
            newest[key] = task
    return [newest[k] for k in sorted(newest, key=str)]


def slots_wanted(tasks: list[dict], mode: dict) -> list[dict]:
    """A replicated service's slots 1..replicas: a slot with no task yet as a `new` one (so a
    wait sees every replica), slots beyond (scaled down) left out."""
    replicas = (mode.get("Replicated") or {}).get("Replicas")
    if replicas is None:
        return tasks
    by_slot = {t.get("Slot"): t for t in tasks}
    unborn = {"Version": {"Index": 0}, "Status": {"State": "new"}}
    return [by_slot.get(slot, {**unborn, "Slot": slot}) for slot in range(1, replicas + 1)]


def task_name(service_name: str, task: dict) -> str:
    """As docker's CLI shows it: `<service>.<slot>` (global: `<service>.<node id>`)."""
    return f"{service_name}.{task.get('Slot') or task.get('NodeID')}"


def task_state(project: str, service: str, service_name: str, task: dict, has_healthcheck: bool, spec_hash: str) -> ContainerState:
    """A task still running an older spec (an update has not reached its slot yet) counts
    as not yet created: a wait on the service must see the new spec's tasks."""
    status = task.get("Status") or {}
    runs = (task.get("Spec", {}).get("ContainerSpec", {}).get("Labels") or {}).get(names.SPEC_HASH, "")
    state = status.get("State", "new") if runs == spec_hash else "new"
    container = status.get("ContainerStatus") or {}
    exit_code = container.get("ExitCode") if state in ("complete", "failed", "shutdown") else None
    if state == "complete" and exit_code is None:
        exit_code = 0
    health = None
    if has_healthcheck and _STATUS.get(state) in ("created", "running"):
        health = HealthState("healthy" if state == "running" else "starting", 0, ())
    started = _time(status.get("Timestamp")) if state in ("running", "complete", "failed", "shutdown") else None
    return ContainerState(
        name=task_name(service_name, task), project=project, service=service, status=_STATUS.get(state, "created"),
        pid=container.get("PID") or None, exit_code=exit_code, oom_killed=False, started_at=started,
        finished_at=started if _STATUS.get(state) in ("exited", "dead") else None, restart_count=0, health=health,
        supervisor_alive=True, supervisor_pid=None, spec_hash=runs, error=status.get("Err") or None,
    )


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text[:26].rstrip("Z") + "+00:00")
    except ValueError:
        return None
