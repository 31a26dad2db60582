"""state.json: what the supervisor knows about its container, rewritten on every change.

Written atomically (tmp + rename) by the shim only, except when the shim is gone and
the runtime closes the record. Times are UTC ISO 8601 strings, as Docker shows them.

    {"version": 1, "name": "p-web-1", "status": "running", "pid": 4242,
     "exit_code": null, "oom_killed": false,
     "started_at": "2024-05-01T10:00:00.000000Z", "finished_at": null,
     "restart_count": 0,
     "health": {"status": "healthy", "failing_streak": 0,
                "log": [{"start": "…", "end": "…", "exit_code": 0, "output": "ok\\n"}]},
     "shim_pid": 4200, "shim_start_time": 123456, "error": null, "log_dropped": 0}

status: created | running | restarting | exited. The runtime derives paused and dead.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field

from composer.shim.config import write_atomically

STATE_VERSION = 1
HEALTH_LOG_ENTRIES = 5  # as Docker keeps
HEALTH_OUTPUT_BYTES = 4096


@dataclass
class HealthResult:
    start: str
    end: str
    exit_code: int
    output: str


@dataclass
class HealthRecord:
    status: str = "starting"  # starting | healthy | unhealthy
    failing_streak: int = 0
    log: list[HealthResult] = field(default_factory=list)

    def add(self, result: HealthResult) -> None:
        self.log.append(result)
        del self.log[:-HEALTH_LOG_ENTRIES]


@dataclass
class ShimState:
    name: str
    status: str = "created"
    pid: int | None = None
    exit_code: int | None = None
    oom_killed: bool = False
    started_at: str | None = None
    finished_at: str | None = None
    restart_count: int = 0
    health: HealthRecord | None = None
    shim_pid: int | None = None
    shim_start_time: int | None = None
    error: str | None = None
    log_dropped: int = 0
    version: int = STATE_VERSION


def write_state(path: str, state: ShimState) -> None:
    write_atomically(path, json.dumps(asdict(state), indent=1))


def read_state(path: str) -> ShimState | None:
    """None when there is no state file (nothing recorded yet)."""
    try:
        with open(path) as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    health = data.get("health")
    if health:
        health["log"] = [HealthResult(**entry) for entry in health.get("log", [])]
        data["health"] = HealthRecord(**health)
    return ShimState(**data)


def iso_time(epoch: float | None = None) -> str:
    epoch = time.time() if epoch is None else epoch
    micros = int(round((epoch % 1) * 1_000_000)) % 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{micros:06d}Z"


def process_start_time(pid: int) -> int | None:
    """The kernel's start time of `pid` (clock ticks since boot); None if it is gone or a zombie.

    A pid with the recorded start time is the same process, not a recycled pid.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2 :].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


def is_alive(pid: int | None, start_time: int | None) -> bool:
    return pid is not None and start_time is not None and process_start_time(pid) == start_time


def own_identity() -> tuple[int, int | None]:
    pid = os.getpid()
    return pid, process_start_time(pid)
