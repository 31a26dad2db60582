"""The Project and its top-level resources: networks, volumes, secrets/configs, ambassadors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.config.model_service import Service
from composer.config.model_service_parts import PortMapping
from composer.config.model_units import Nanoseconds, Opaque


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
    name_blank: bool = False  # `name: ""` (an unset variable): Compose prints no name; composer still uses `name`


@dataclass(frozen=True, slots=True)
class Volume:
    key: str
    name: str
    driver: str | None = None  # None = local
    driver_opts: dict[str, str] = field(default_factory=dict)  # local: type, o, device
    external: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    name_blank: bool = False  # as Network.name_blank


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
    fast_path: str = "auto"  # auto: kernel DNAT when the settings allow (forwarder/fastpath.py); off: always userspace
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
    models: dict[str, Opaque] = field(default_factory=dict)  # top-level models (composer runs none), printed by `config` (YAML)
