"""The Runtime protocol (the Driver of DESIGN.md) and what inspect() returns.

Every call is idempotent and safe after a crash: remove() of a half-created container
finishes the cleanup, stop() of a stopped one returns, start() of a running one too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from composer.runtime.spec import ContainerSpec

STATUSES = ("created", "running", "restarting", "paused", "exited", "dead")


@dataclass(frozen=True)
class HealthProbe:
    start: datetime
    end: datetime
    exit_code: int  # -1: timed out
    output: str  # at most 4096 bytes


@dataclass(frozen=True)
class HealthState:
    status: str  # starting | healthy | unhealthy
    failing_streak: int
    log: tuple[HealthProbe, ...]  # the last 5, oldest first


@dataclass(frozen=True)
class ContainerState:
    name: str
    project: str
    service: str
    status: str  # one of STATUSES
    pid: int | None
    exit_code: int | None
    oom_killed: bool
    started_at: datetime | None
    finished_at: datetime | None
    restart_count: int
    health: HealthState | None  # None: no healthcheck
    supervisor_alive: bool
    supervisor_pid: int | None
    spec_hash: str
    error: str | None  # why it could not start, or what was lost
    log_dropped: int = 0  # log records lost (non-blocking mode: a slow disk or a full one)

    @property
    def running(self) -> bool:
        return self.status in ("running", "paused")


class Runtime(Protocol):
    def create(self, spec: ContainerSpec) -> None:
        """Mount the rootfs and write the bundle; nothing runs yet. Same spec again: no-op."""

    def start(self, name: str, stdin: int | None = None) -> None:
        """Start the supervisor, which starts the container; returns once its process runs.
        stdin: an fd the container's process gets as its standard input (`compose run`;
        a tty container's input is copied to its terminal); None: /dev/null."""

    def stop(self, name: str, timeout: float | None = None) -> None:
        """Stop signal, SIGKILL after timeout (default: the spec's grace); no restart follows."""

    def kill(self, name: str, signal: str = "SIGKILL") -> None:
        """Send a signal; SIGKILL or the stop signal also cancels restarts (as Docker)."""

    def pause(self, name: str) -> None:
        """Freeze every process of the container (inspect says paused)."""

    def resume(self, name: str) -> None:
        """Thaw a paused container."""

    def remove(self, name: str, keep_data: bool = False) -> None:
        """Kill if needed and remove everything the container has; nothing left is fine."""

    def inspect(self, name: str) -> ContainerState:
        """The container's state; raises RuntimeFailure if there is no such container."""

    def exec(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str] | None = None,
        user: str | None = None,
        cwd: str | None = None,
        tty: bool | None = None,
        privileged: bool = False,
    ) -> int:
        """Run a command in the running container with our stdio; its exit code.
        privileged: the process gets every capability (docker exec --privileged)."""

    def top(self, name: str) -> list[int]:
        """Host pids of the container's processes."""

    def list(self, project: str | None = None, service: str | None = None) -> list[ContainerState]:
        """Containers on this host (of one project, of one service), from their state dirs; sorted by name."""
