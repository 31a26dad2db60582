"""What a supervisor is told to do: shim.json, written by the runtime, read by the shim.

Every path the shim needs is in here, so the shim never guesses a layout, and the
restart policy, healthcheck and readiness types are defined once, here (runtime/spec.py reuses them).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

# Files inside a container's state dir (which is also its runc bundle).
SHIM_CONFIG = "shim.json"
STATE_FILE = "state.json"
STOP_REQUEST = "stop-request"  # present: the next exit is final (stop, kill, remove)
SHIM_LOG = "shim.log"  # the supervisor's own complaints, for humans
RUNC_LOG = "runc.log"  # runc --log (json lines); its last error explains a failure
CONSOLE_SOCKET = "console.sock"
INIT_PID_FILE = "init.pid"
PROBE_PID_FILE = "probe.pid"
LOCK_FILE = "shim.lock"

RESTART_POLICIES = ("no", "always", "on-failure", "unless-stopped")


@dataclass(frozen=True)
class RestartPolicy:
    """Compose's `restart:`: no | always | on-failure[:N] | unless-stopped."""

    name: str = "no"
    max_retries: int = 0  # on-failure only; 0 means no limit

    def __post_init__(self) -> None:
        if self.name not in RESTART_POLICIES:
            raise ValueError(f"unknown restart policy {self.name!r}; use one of {', '.join(RESTART_POLICIES)}")
        if self.max_retries < 0 or (self.max_retries and self.name != "on-failure"):
            raise ValueError(f"restart policy {self.name!r} takes no retry count (only on-failure:N, N >= 0)")

    @classmethod
    def parse(cls, text: str) -> RestartPolicy:
        name, _, count = text.partition(":")
        if count and not count.isdigit():
            raise ValueError(f"restart policy {text!r}: the retry count must be a number (on-failure:3)")
        return cls(name, int(count) if count else 0)


@dataclass(frozen=True)
class Healthcheck:
    """A healthcheck as Docker runs it: CMD / CMD-SHELL test, times in seconds."""

    test: tuple[str, ...]
    interval: float = 30.0
    timeout: float = 30.0
    retries: int = 3
    start_period: float = 0.0

    def __post_init__(self) -> None:
        if len(self.test) < 2 or self.test[0] not in ("CMD", "CMD-SHELL"):
            test = list(self.test)
            raise ValueError(f"healthcheck test {test!r} must start with CMD or CMD-SHELL and name a command")
        if self.interval <= 0 or self.timeout <= 0 or self.retries < 1 or self.start_period < 0:
            raise ValueError("healthcheck interval and timeout must be > 0, retries >= 1, start_period >= 0")

    def command(self) -> list[str]:
        if self.test[0] == "CMD-SHELL":
            return ["/bin/sh", "-c", " ".join(self.test[1:])]
        return list(self.test[1:])


PROBE_KINDS = ("tcp", "http", "log")


@dataclass(frozen=True)
class Readiness:
    """An x-readiness probe as the supervisor runs it (docs/readiness.md); times in seconds.

    target: tcp "HOST:PORT"; http an http:// URL; log a regular expression.
    """

    kind: str
    target: str
    interval: float = 1.0
    timeout: float = 1.0
    retries: int = 3
    start_period: float = 60.0  # readiness is about start-up: slow starters get a minute

    def __post_init__(self) -> None:
        if self.kind not in PROBE_KINDS:
            raise ValueError(f"readiness probe kind {self.kind!r} is not one of {', '.join(PROBE_KINDS)}")
        if self.interval <= 0 or self.timeout <= 0 or self.retries < 1 or self.start_period < 0:
            raise ValueError("readiness interval and timeout must be > 0, retries >= 1, start_period >= 0")


@dataclass(frozen=True)
class ShimConfig:
    name: str
    project: str
    service: str
    state_dir: str  # also the runc bundle (config.json, rootfs/)
    runc: str  # absolute path of the runc binary
    runc_root: str
    cgroup_path: str  # as in config.json linux.cgroupsPath, for OOM counters
    tty: bool = False
    stop_signal: int = 15
    stop_grace: float = 10.0
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    healthcheck: Healthcheck | None = None
    readiness: Readiness | None = None
    log_driver: str = "json-file"
    log_options: dict[str, str] = field(default_factory=dict)
    log_dir: str = ""
    spec_hash: str = ""  # lets create() tell "same container again" from "a different one"

    def path(self, filename: str) -> str:
        return os.path.join(self.state_dir, filename)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ShimConfig:
        data = json.loads(text)
        data["restart"] = RestartPolicy(**data["restart"])
        if data.get("healthcheck"):
            health = data["healthcheck"]
            data["healthcheck"] = Healthcheck(**{**health, "test": tuple(health["test"])})
        if data.get("readiness"):
            data["readiness"] = Readiness(**data["readiness"])
        return cls(**data)


def load_shim_config(state_dir: str) -> ShimConfig:
    with open(os.path.join(state_dir, SHIM_CONFIG)) as handle:
        return ShimConfig.from_json(handle.read())


from composer.atomic import write_atomically  # noqa: E402,F401  (re-exported: the shim and runtime import it from here)
