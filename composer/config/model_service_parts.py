"""Parts of a service: ports, mounts, networks, dependencies, checks, logging, limits, file references."""

from __future__ import annotations

from dataclasses import dataclass, field

from composer.config.model_units import Bytes, Nanoseconds


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
    image_subpath: str | None = None  # type: image (not supported by composer; printed by `config`)


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
    interface_name: str | None = None  # printed by `config`; composer names interfaces itself


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
