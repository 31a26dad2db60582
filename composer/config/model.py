"""The typed, validated project model: what every layer after config works from.

Frozen dataclasses, built only by build.py; no raw YAML past this point. Conventions:
- sequences are tuples; `dict` only for name → value tables (environment, labels, …);
- durations are **int nanoseconds** (Go's time.Duration, so Compose's strings round-trip
  exactly; `units.seconds(ns)` gives float seconds); byte sizes are **int bytes**;
- `None` means "not set" (use the image's or runtime's default); for `command` and
  `entrypoint`, `()` means "explicitly cleared" (`command: []` or `''`);
- paths (build context, bind sources, env/secret files) are absolute;
- names of networks/volumes/secrets/configs in services are the project *keys*; the
  real (engine) name is `Project.networks[key].name`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Nanoseconds = int
Bytes = int

# Opaque values are kept JSON-like (plain dict/list/str/int/bool/None): settings we
# accept and print back (`config`) but no part of composer acts on.
Opaque = Any


@dataclass(frozen=True, slots=True)
class PortMapping:
    """One published or exposed port, always in Compose's long form (a range is split)."""

    target: int
    published: str = ""  # "" = not published / ephemeral; "8080" or a host range "8080-8090"
    host_ip: str = ""
    protocol: str = "tcp"  # tcp | udp | sctp
    mode: str = "ingress"  # ingress | host
    app_protocol: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class BindOptions:
    propagation: str | None = None
    create_host_path: bool = True  # short syntax: True; long syntax: False unless set (as Compose v2.40)
    selinux: str | None = None  # "z" | "Z"


@dataclass(frozen=True, slots=True)
class VolumeOptions:
    nocopy: bool = False
    subpath: str | None = None


@dataclass(frozen=True, slots=True)
class TmpfsOptions:
    size: Bytes | None = None
    mode: int | None = None  # file mode bits, e.g. 0o1777


@dataclass(frozen=True, slots=True)
class Mount:
    """One entry of `services.*.volumes`, in long form."""

    type: str  # bind | volume | tmpfs | npipe | image | cluster
    target: str
    source: str | None = None  # bind: absolute host path; volume: project volume key (None = anonymous)
    read_only: bool = False
    consistency: str | None = None
    bind: BindOptions | None = None
    volume: VolumeOptions | None = None
    tmpfs: TmpfsOptions | None = None


@dataclass(frozen=True, slots=True)
class ServiceNetwork:
    """How a service attaches to one network (`services.*.networks.<key>`)."""

    aliases: tuple[str, ...] = ()
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    link_local_ips: tuple[str, ...] = ()
    mac_address: str | None = None
    priority: int | None = None
    gw_priority: int | None = None
    driver_opts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Dependency:
    """One `depends_on` entry (service or ambassador name → this)."""

    condition: str = "service_started"  # service_started | service_healthy | service_completed_successfully
    restart: bool = False
    required: bool = True


@dataclass(frozen=True, slots=True)
class Healthcheck:
    test: tuple[str, ...] | None = None  # ("CMD-SHELL", "…") | ("CMD", …) | ("NONE",); None = image's
    interval: Nanoseconds | None = None
    timeout: Nanoseconds | None = None
    start_period: Nanoseconds | None = None
    start_interval: Nanoseconds | None = None
    retries: int | None = None
    disable: bool = False


@dataclass(frozen=True, slots=True)
class Readiness:
    """`x-readiness`: a probe composer's supervisor runs in place of a healthcheck command.

    Exactly one of tcp/http/log is set. Compose ignores x- keys, so files using it still
    load there. Unset timings take the defaults of docs/readiness.md.
    """

    tcp: str | None = None  # "PORT" or "HOST:PORT": a connection is accepted
    http: str | None = None  # an http:// URL (a bare port or "PORT/path" is expanded): status 2xx/3xx
    log: str | None = None  # a regular expression searched in the container's output lines
    interval: Nanoseconds | None = None
    timeout: Nanoseconds | None = None
    start_period: Nanoseconds | None = None
    retries: int | None = None


@dataclass(frozen=True, slots=True)
class Logging:
    driver: str | None = None
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ulimit:
    soft: int
    hard: int
    single: bool = False  # written as one number (`nofile: 1024`): soft == hard


@dataclass(frozen=True, slots=True)
class EnvFile:
    path: str  # absolute
    required: bool = True
    format: str | None = None  # None = dotenv; "raw"


@dataclass(frozen=True, slots=True)
class FileReference:
    """A service's use of a project secret or config."""

    source: str  # key under top-level secrets/configs
    target: str | None = None
    uid: str | None = None
    gid: str | None = None
    mode: int | None = None


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

    @property
    def replicas(self) -> int:
        """How many containers to run: deploy.replicas, else scale, else 1."""
        if self.deploy is not None and self.deploy.replicas is not None:
            return self.deploy.replicas
        return self.scale if self.scale is not None else 1


@dataclass(frozen=True, slots=True)
class IpamPool:
    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None
    aux_addresses: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ipam:
    driver: str | None = None
    config: tuple[IpamPool, ...] = ()
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Network:
    key: str  # the name used in the compose file
    name: str  # the real name: `<project>_<key>` unless set, or the key when external
    driver: str | None = None  # None = bridge
    driver_opts: dict[str, str] = field(default_factory=dict)
    ipam: Ipam = field(default_factory=Ipam)
    internal: bool = False
    external: bool = False
    attachable: bool = False
    enable_ipv4: bool | None = None
    enable_ipv6: bool | None = None
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Volume:
    key: str
    name: str
    driver: str | None = None  # None = local
    driver_opts: dict[str, str] = field(default_factory=dict)  # local: type, o, device
    external: bool = False
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ProjectFile:
    """A top-level secret or config: where its content comes from."""

    key: str
    name: str
    file: str | None = None  # absolute
    environment: str | None = None  # the variable holding the content
    content: str | None = None  # configs only
    external: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    driver: str | None = None
    template_driver: str | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One side of an ambassador.

    tcp/udp: `host` is a bind address when listening ("" = all) or, as a target, a
    service name or a host name/IP outside the project. unix: `path` is absolute; when
    `volume` is set the socket lives at `path` inside that project volume, else on the host.
    """

    protocol: str  # tcp | udp | unix
    host: str = ""
    port: int | None = None
    path: str | None = None
    volume: str | None = None

    def __str__(self) -> str:
        if self.protocol == "unix":
            return f"unix://{self.volume or ''}{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.protocol}://{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Ambassador:
    name: str
    listen: Endpoint
    target: Endpoint
    target_service: str | None = None  # set when target.host names a project service
    networks: tuple[str, ...] = ()  # network keys; ("default",) when the file names none
    ports: tuple[PortMapping, ...] = ()  # published on the host
    retry: Nanoseconds = 30_000_000_000  # how long a new connection waits for a target (0 = fail at once)
    connect_timeout: Nanoseconds | None = None
    balance: str = "round-robin"  # round-robin | least-connections
    max_connections: int | None = None
    idle_timeout: Nanoseconds | None = None
    shorthand: str | None = field(default=None, compare=False)  # the socat-style string it came from


@dataclass(frozen=True, slots=True)
class Project:
    name: str
    project_dir: Path
    services: dict[str, Service] = field(default_factory=dict)  # active services only, sorted by name
    # only the ones an active service or ambassador uses (as Compose), sorted by key
    networks: dict[str, Network] = field(default_factory=dict)
    volumes: dict[str, Volume] = field(default_factory=dict)
    secrets: dict[str, ProjectFile] = field(default_factory=dict)
    configs: dict[str, ProjectFile] = field(default_factory=dict)
    ambassadors: dict[str, Ambassador] = field(default_factory=dict)
    profiles: tuple[str, ...] = ()  # every profile any service declares, sorted
    active_profiles: tuple[str, ...] = ()
    disabled_services: tuple[str, ...] = ()  # dropped because their profiles are off
    compose_files: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)  # used for interpolation
    warnings: tuple[str, ...] = ()
    extensions: dict[str, Opaque] = field(default_factory=dict)  # top-level x-* keys, printed back by `config`
