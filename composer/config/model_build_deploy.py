"""A service's build, deploy and develop sections, and its lifecycle hooks."""

from __future__ import annotations

from dataclasses import dataclass, field

from composer.config.model_service_parts import FileReference, Ulimit
from composer.config.model_units import Bytes, Nanoseconds, Opaque


@dataclass(frozen=True, slots=True)
class BuildConfig:
    context: str  # absolute path, or a URL (git/http) kept as written
    dockerfile: str | None = None
    dockerfile_inline: str | None = None
    args: dict[str, str | None] = field(default_factory=dict)
    target: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()
    network: str | None = None
    shm_size: Bytes | None = None
    extra_hosts: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    additional_contexts: dict[str, str] = field(default_factory=dict)
    no_cache: bool = False
    pull: bool = False
    privileged: bool = False
    isolation: str | None = None
    entitlements: tuple[str, ...] = ()  # printed by `config`; composer's builder grants none
    ulimits: dict[str, Ulimit] = field(default_factory=dict)  # printed by `config`, not applied to builds
    ssh: tuple[str, ...] = ()  # opaque to composer
    secrets: tuple[FileReference, ...] = ()


@dataclass(frozen=True, slots=True)
class ResourceLimits:
    cpus: float | None = None
    memory: Bytes | None = None
    pids: int | None = None


@dataclass(frozen=True, slots=True)
class ResourceReservations:
    cpus: float | None = None
    memory: Bytes | None = None
    devices: Opaque = None  # GPU etc. requests, kept for `config`
    generic_resources: Opaque = None  # swarm only, kept for `config`


@dataclass(frozen=True, slots=True)
class Resources:
    limits: ResourceLimits | None = None
    reservations: ResourceReservations | None = None


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    condition: str | None = None  # none | on-failure | any
    delay: Nanoseconds | None = None
    max_attempts: int | None = None
    window: Nanoseconds | None = None


@dataclass(frozen=True, slots=True)
class Deploy:
    mode: str | None = None
    replicas: int | None = None
    labels: dict[str, str] = field(default_factory=dict)
    resources: Resources | None = None
    restart_policy: RestartPolicy | None = None
    endpoint_mode: str | None = None
    update_config: Opaque = None
    rollback_config: Opaque = None
    placement: Opaque = None


@dataclass(frozen=True, slots=True)
class ExecHook:
    """`develop.watch[].exec` and post_start/pre_stop: a command run in the container."""

    command: tuple[str, ...]
    user: str | None = None
    privileged: bool = False
    working_dir: str | None = None
    environment: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class WatchRule:
    path: str  # absolute host path
    action: str  # sync | rebuild | restart | sync+restart | sync+exec
    target: str | None = None
    ignore: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exec: ExecHook | None = None
    initial_sync: bool = False


@dataclass(frozen=True, slots=True)
class Develop:
    watch: tuple[WatchRule, ...] = ()
