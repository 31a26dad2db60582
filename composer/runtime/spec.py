"""ContainerSpec: everything the runtime needs to run one container, already resolved.

The orchestration layer maps a compose service (plus its image config, networks,
volumes and secrets) to one of these per replica. Nothing here touches the host;
runtime/oci.py turns a spec into runc's config.json.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

from composer.logs.api import LogConfig
from composer.shim.config import Healthcheck, Readiness, RestartPolicy

__all__ = ["ContainerSpec", "Healthcheck", "LogConfig", "Mount", "Readiness", "Resources", "RestartPolicy", "Ulimit"]

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$")
DEFAULT_SHM_SIZE = 64 * 1024 * 1024
MOUNT_KINDS = ("bind", "volume", "tmpfs")


@dataclass(frozen=True)
class Mount:
    """A bind (host path), a volume (a host dir the volume layer made) or a tmpfs."""

    kind: str
    target: str
    source: str = ""
    read_only: bool = False
    create_host_path: bool = False  # bind: make a missing source dir, as Compose's short syntax does
    copy_up: bool = False  # volume: fill an empty volume with the image's files at target (Docker's default)
    tmpfs_size: int | None = None  # bytes
    tmpfs_mode: int | None = None
    propagation: str = "rprivate"

    def __post_init__(self) -> None:
        if self.kind not in MOUNT_KINDS:
            raise ValueError(f"mount kind {self.kind!r} is not one of {', '.join(MOUNT_KINDS)}")
        if not self.target.startswith("/"):
            raise ValueError(f"mount target {self.target!r} must be an absolute path")
        if self.kind != "tmpfs" and not self.source.startswith("/"):
            where = f"{self.kind} mount at {self.target}"
            raise ValueError(f"{where}: source {self.source!r} must be an absolute host path")

    @classmethod
    def bind(cls, source: str, target: str, read_only: bool = False, create_host_path: bool = False) -> Mount:
        return cls("bind", target, source, read_only, create_host_path)

    @classmethod
    def volume(cls, host_dir: str, target: str, read_only: bool = False, copy_up: bool = True) -> Mount:
        return cls("volume", target, host_dir, read_only, copy_up=copy_up)

    @classmethod
    def tmpfs(cls, target: str, size: int | None = None, mode: int | None = None) -> Mount:
        return cls("tmpfs", target, tmpfs_size=size, tmpfs_mode=mode)

    @classmethod
    def secret(cls, name: str, host_file: str) -> Mount:
        """Compose secrets appear read-only at /run/secrets/<name>."""
        return cls("bind", f"/run/secrets/{name}", host_file, read_only=True)


@dataclass(frozen=True)
class Resources:
    memory: int | None = None  # bytes
    memswap: int | None = None  # memory + swap in bytes; -1 unlimited; None: twice memory (Docker)
    cpus: float | None = None  # → CFS quota over a 100 ms period
    cpu_shares: int | None = None
    pids_limit: int | None = None


@dataclass(frozen=True)
class Ulimit:
    name: str  # nofile, nproc, core, … (RLIMIT_ + upper case)
    soft: int
    hard: int


@dataclass(frozen=True)
class ContainerSpec:
    name: str  # <project>-<service>-<n>
    project: str
    service: str
    args: tuple[str, ...]  # entrypoint + command, already resolved against the image
    lowerdirs: tuple[str, ...]  # image layers, topmost first (overlayfs order)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = "/"
    user: str = ""  # "", name, uid, name:group, uid:gid (resolved in the image's /etc/passwd)
    group_add: tuple[str, ...] = ()
    tty: bool = False
    hostname: str = ""  # default: the container name
    domainname: str = ""
    read_only: bool = False
    mounts: tuple[Mount, ...] = ()
    shm_size: int = DEFAULT_SHM_SIZE
    resources: Resources = field(default_factory=Resources)
    ulimits: tuple[Ulimit, ...] = ()
    sysctls: dict[str, str] = field(default_factory=dict)
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    no_new_privileges: bool = True
    seccomp: str = "default"  # default | unconfined | path of a Docker-format profile
    init: bool = False  # tini as PID 1
    netns: str | None = None  # None: a new private netns (lo only); "host"; or a netns path
    stop_signal: str = "SIGTERM"
    stop_grace: float = 10.0
    restart: RestartPolicy = field(default_factory=RestartPolicy)
    healthcheck: Healthcheck | None = None
    readiness: Readiness | None = None  # x-readiness: a probe the supervisor runs itself
    log: LogConfig = field(default_factory=LogConfig)
    log_dir: str | None = None  # default: the container's data dir

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"container name {self.name!r} must match {NAME_PATTERN.pattern}")
        if not self.args:
            raise ValueError(f"container {self.name}: no command to run")
        if not self.lowerdirs:
            raise ValueError(f"container {self.name}: no image layers (lowerdirs)")
        if not self.cwd.startswith("/"):
            raise ValueError(f"container {self.name}: working dir {self.cwd!r} must be absolute")

    def spec_hash(self) -> str:
        """Stable digest of every field: equal specs, equal hashes."""
        fields = asdict(self)
        if self.readiness is None:
            del fields["readiness"]  # specs without one keep the hash they had before x-readiness
        text = json.dumps(fields, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]
