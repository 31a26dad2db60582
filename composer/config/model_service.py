"""The Service: one entry of `services:`, every field typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from composer.config.model_build_deploy import BuildConfig, Deploy, Develop, ExecHook
from composer.config.model_service_parts import Dependency, EnvFile, FileReference, Healthcheck, Logging, Mount, PortMapping, Readiness, ServiceNetwork, Ulimit
from composer.config.model_units import Bytes, Nanoseconds, Opaque


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    image: str | None = None
    build: BuildConfig | None = None
    pull_policy: str | None = None
    platform: str | None = None
    command: tuple[str, ...] | None = None  # None = image default; () = cleared
    entrypoint: tuple[str, ...] | None = None
    working_dir: str | None = None
    user: str | None = None
    environment: dict[str, str | None] = field(default_factory=dict)  # None = named without a value and not in the project environment: left unset
    env_file: tuple[EnvFile, ...] = ()  # already read into `environment`; kept for reference (`config` omits it)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    ports: tuple[PortMapping, ...] = ()
    expose: tuple[str, ...] = ()  # "80", "8000-8010", "53/udp"
    volumes: tuple[Mount, ...] = ()
    volumes_from: tuple[str, ...] = ()  # "service[:ro|rw]" or "container:name[:ro|rw]"
    tmpfs: tuple[str, ...] = ()
    # key → settings (None = none). {"default": None} when the file names no network and no network_mode.
    networks: dict[str, ServiceNetwork | None] = field(default_factory=dict)
    network_mode: str | None = None  # host | none | bridge | service:x | container:x
    links: tuple[str, ...] = ()  # "name" or "name:alias"
    external_links: tuple[str, ...] = ()
    # services/ambassadors, including the ones links, volumes_from, network_mode/ipc/pid "service:x" imply.
    # A required=False entry may name a service its profiles disabled (not in Project.services).
    depends_on: dict[str, Dependency] = field(default_factory=dict)
    healthcheck: Healthcheck | None = None
    readiness: Readiness | None = None  # x-readiness
    restart: str | None = None  # no | always | on-failure[:N] | unless-stopped
    logging: Logging | None = None
    hostname: str | None = None
    domainname: str | None = None
    mac_address: str | None = None
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_opt: tuple[str, ...] = ()
    extra_hosts: tuple[str, ...] = ()  # "host=ip", sorted
    init: bool | None = None
    stop_signal: str | None = None
    stop_grace_period: Nanoseconds | None = None
    mem_limit: Bytes | None = None
    mem_reservation: Bytes | None = None
    memswap_limit: Bytes | None = None  # -1 = unlimited
    mem_swappiness: int | None = None
    shm_size: Bytes | None = None
    cpus: float | None = None
    cpu_shares: int | None = None
    cpu_period: int | None = None
    cpu_quota: int | None = None
    cpuset: str | None = None
    pids_limit: int | None = None
    ulimits: dict[str, Ulimit] = field(default_factory=dict)
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    privileged: bool = False
    read_only: bool = False
    security_opt: tuple[str, ...] = ()
    sysctls: dict[str, str] = field(default_factory=dict)
    devices: tuple[str, ...] = ()  # "host:container:permissions", always three parts
    device_cgroup_rules: tuple[str, ...] = ()
    group_add: tuple[str, ...] = ()
    ipc: str | None = None
    pid: str | None = None
    uts: str | None = None
    userns_mode: str | None = None
    cgroup: str | None = None
    cgroup_parent: str | None = None
    runtime: str | None = None
    oom_score_adj: int | None = None
    oom_kill_disable: bool | None = None
    tty: bool = False
    stdin_open: bool = False
    attach: bool = True
    attach_written: bool = False  # `attach: true` written out: Compose prints it back
    scale: int | None = None
    deploy: Deploy | None = None
    secrets: tuple[FileReference, ...] = ()
    configs: tuple[FileReference, ...] = ()
    develop: Develop | None = None
    post_start: tuple[ExecHook, ...] = ()
    pre_stop: tuple[ExecHook, ...] = ()
    profiles: tuple[str, ...] = ()
    container_name: str | None = None
    storage_opt: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Opaque] = field(default_factory=dict)  # valid settings composer does not act on, as Compose prints them
    extensions: dict[str, Opaque] = field(default_factory=dict)  # x-* keys as written (x-readiness too): YAML output prints them

    @property
    def replicas(self) -> int:
        """How many containers to run: deploy.replicas, else scale, else 1."""
        if self.deploy is not None and self.deploy.replicas is not None:
            return self.deploy.replicas
        return self.scale if self.scale is not None else 1
