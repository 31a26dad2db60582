"""DockerRuntime: the Runtime protocol (composer/runtime/api.py) on the Engine API.

The engine supervises containers itself (restarts, healthchecks), so `supervisor_alive` is
always true; a container's `spec_hash` is what Compose v2 compares: its config-hash label
and the image it was made from (DockerSpec.spec_hash on the desired side).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime

from composer.drivers.engine_api import engine_errors, is_missing
from composer.errors import RuntimeFailure
from composer.runtime.api import ContainerState, HealthProbe, HealthState

P = "com.docker.compose."
STOP_GRACE = 10


class DockerRuntime:
    def __init__(self, api) -> None:
        self.api = api

    def create(self, spec) -> None:
        raise RuntimeFailure("the docker driver creates containers through the driver (create_container), not the runtime")

    def start(self, name: str, stdin: int | None = None) -> None:
        """stdin is not attached here (it would need the engine's attach stream): a `run`
        container under this driver reads nothing from ours."""
        with engine_errors(f"container {name}: start"):
            self.api.start(name)

    def stop(self, name: str, timeout: float | None = None) -> None:
        with engine_errors(f"container {name}: stop"):
            try:
                self.api.stop(name, timeout=int(timeout) if timeout is not None else None)
            except Exception as exc:
                if not is_missing(exc):
                    raise

    def kill(self, name: str, signal: str = "SIGKILL") -> None:
        with engine_errors(f"container {name}: kill"):
            self.api.kill(name, signal=signal)

    def pause(self, name: str) -> None:
        with engine_errors(f"container {name}: pause"):
            self.api.pause(name)

    def resume(self, name: str) -> None:
        with engine_errors(f"container {name}: unpause"):
            self.api.unpause(name)

    def remove(self, name: str, keep_data: bool = False) -> None:
        with engine_errors(f"container {name}: remove"):
            try:
                self.api.remove_container(name, force=True, v=not keep_data)
            except Exception as exc:
                if not is_missing(exc):
                    raise

    def inspect(self, name: str) -> ContainerState:
        return state_of(self.inspect_raw(name))

    def inspect_raw(self, name: str) -> dict:
        with engine_errors(f"container {name}"):
            try:
                return self.api.inspect_container(name)
            except Exception as exc:
                if is_missing(exc):
                    raise RuntimeFailure(f"no such container: {name}") from None
                raise

    def exec(self, name: str, args: Sequence[str], env: Mapping[str, str] | None = None, user: str | None = None, cwd: str | None = None, tty: bool | None = None, privileged: bool = False) -> int:
        """Relays the command's stdout and stderr and returns its exit code; stdin is not
        relayed (an interactive TTY would need the attach protocol's hijacked socket)."""
        with engine_errors(f"container {name}: exec"):
            created = self.api.exec_create(name, list(args), environment=dict(env or {}), user=user or "", workdir=cwd, tty=bool(tty), privileged=privileged)
            stream = self.api.exec_start(created["Id"], stream=True, demux=True, tty=bool(tty))
            for out, err in stream:
                if out:
                    os.write(sys.stdout.fileno(), out)
                if err:
                    os.write(sys.stderr.fileno(), err)
            code = self.api.exec_inspect(created["Id"]).get("ExitCode")
        return 1 if code is None else code

    def top(self, name: str) -> list[int]:
        with engine_errors(f"container {name}: top"):
            listing = self.api.top(name, ps_args="-eo pid")
        titles = listing.get("Titles") or []
        column = titles.index("PID") if "PID" in titles else 0
        return [int(row[column]) for row in listing.get("Processes") or []]

    def list(self, project: str | None = None, service: str | None = None) -> list[ContainerState]:
        return [state_of(raw) for raw in self.list_raw(project, service)]

    def list_raw(self, project: str | None = None, service: str | None = None) -> list[dict]:
        wanted = [f"{P}project={project}" if project else f"{P}project", f"{P}service"]  # ambassadors have no service label
        if service:
            wanted.append(f"{P}service={service}")
        with engine_errors("list containers"):
            summaries = self.api.containers(all=True, filters={"label": wanted})
            found = []
            for summary in summaries:
                try:
                    found.append(self.api.inspect_container(summary["Id"]))
                except Exception as exc:
                    if not is_missing(exc):  # removed between the list and the inspect
                        raise
        return sorted(found, key=lambda raw: raw["Name"])


def state_of(raw: dict) -> ContainerState:
    state = raw.get("State") or {}
    labels = (raw.get("Config") or {}).get("Labels") or {}
    running = state.get("Status") in ("running", "paused", "restarting")
    return ContainerState(
        name=raw["Name"].lstrip("/"),
        project=labels.get(P + "project", ""),
        service=labels.get(P + "service", ""),
        status=state.get("Status", "dead"),
        pid=state.get("Pid") or None,
        exit_code=None if running or state.get("Status") == "created" else state.get("ExitCode"),
        oom_killed=bool(state.get("OOMKilled")),
        started_at=parse_time(state.get("StartedAt")),
        finished_at=parse_time(state.get("FinishedAt")),
        restart_count=raw.get("RestartCount", 0),
        health=_health(state.get("Health")),
        supervisor_alive=True,
        supervisor_pid=None,
        spec_hash=f"{labels.get(P + 'config-hash', '')}:{labels.get(P + 'image', '')}",
        error=state.get("Error") or None,
    )


def parse_time(text: str | None) -> datetime | None:
    """The engine's RFC 3339 time (nanoseconds, Z); None for Go's zero time."""
    if not text or text.startswith("0001-"):
        return None
    head, _, rest = text.partition(".")
    fraction, zone = (rest[:-1], "+00:00") if rest.endswith("Z") else (rest[: len(rest) - 6], rest[-6:])
    if not rest:
        head, zone = (text[:-1], "+00:00") if text.endswith("Z") else (text[:-6], text[-6:])
    return datetime.fromisoformat(f"{head}.{(fraction or '0')[:6]:0<6}{zone}")


def _health(raw: dict | None) -> HealthState | None:
    if not raw:
        return None
    log = tuple(
        HealthProbe(start=parse_time(p.get("Start")), end=parse_time(p.get("End")), exit_code=p.get("ExitCode", -1), output=(p.get("Output") or "")[:4096])
        for p in raw.get("Log") or []
    )
    return HealthState(status=raw.get("Status", "starting"), failing_streak=raw.get("FailingStreak", 0), log=log[-5:])
