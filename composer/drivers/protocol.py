"""The driver protocol: everything the verbs ask of whatever runs a project's containers.

A driver observes a project's live state and carries out one kind of action per method.
Every action is idempotent and safe after a crash (removing a half-made container
finishes the cleanup). The CLI picks the driver in one place (composer/cli/driver.py);
the verbs (composer/verbs) and the CLI's verb modules know only this protocol.

Containers' own steps (start, stop, kill, pause, resume, exec, top, inspect, list) are
the driver's `runtime` (composer/runtime/api.py's Runtime protocol); the image store is its
`images`. What is project-wide (networks, volumes, ambassadors, published ports, records)
is a method here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from composer.config.model import Ambassador, Project, Service
from composer.runtime.api import ContainerState, Runtime

__all__ = ["ContainerFiles", "ContainerState", "Driver", "Reporter", "Runtime", "StackDriver", "StackOptions"]


class Reporter(Protocol):
    def status(self, kind: str, name: str, text: str) -> None:
        """kind: Image | Volume | Network | Container | Service | …; text: Pulled, Created, Started, Error: …"""


class ContainerFiles(Protocol):
    """A container's filesystem as host paths, for `compose watch` to sync into."""

    name: str
    uid: int  # the container's user: new files and dirs are given to it
    gid: int

    def check_target(self, container_path: str, what: str) -> None:
        """Raise (one line, naming `what`) when sync cannot write there: tmpfs, proc, read-only."""

    def entry(self, container_path: str, make_parents: bool = False) -> Any:
        """The host Path of the entry at container_path, its last component not followed."""

    def mount_point(self, container_path: str) -> Any:
        """The mount whose destination is exactly container_path, or None."""

    def make_dir(self, container_path: str) -> Any:
        """mkdir -p inside the container (owned by its user); the host Path."""


class Driver(Protocol):
    runtime: Runtime  # one container's steps
    images: Any  # the image store: get, pull, remove, prune, list (composer.images.ImageStore's calls)

    # --- observe -------------------------------------------------------------------------

    def containers(self, project: str, service: str | None = None) -> list[ContainerState]:
        """The project's containers (of one service), sorted by name."""

    def unchanged(self, project: Project) -> list[ContainerState] | None:
        """The containers, when the last `up` that converged everything still holds; else None."""

    def is_one_off(self, project: str, name: str) -> bool:
        """Made by `compose run`, not one of its service's replicas."""

    def remembered_stop_order(self, project: Project) -> list[list[str]] | None:
        """The stop generations `up` recorded for this project's edges, or None."""

    def missing_networks(self, project: Project, keys: Sequence[str]) -> list[str]:
        """The networks (full names) `ensure_networks` would create; a missing external one
        raises, and so does what begin_up would refuse (dry-run asks this first)."""

    def existing_networks(self, project: Project) -> list[str]:
        """The project's own networks that exist now (what `down` would remove)."""

    def missing_volumes(self, project: Project) -> list[str]:
        """The named volumes `up` would create."""

    def own_volumes(self, project: Project) -> list[str]:
        """The project's own volumes (what `down -v` would remove)."""

    def ambassador_running(self, project: str, name: str) -> bool: ...

    def proxies(self, project: str) -> list[tuple[str, str]]:
        """(kind, name) of the project's forwarders: "Ambassador" each, "Ports" the published ports'."""

    def published_ports(self, project: str) -> list[dict]:
        """What the project publishes: name, target, protocol, host_ip, published."""

    def known_projects(self) -> dict[str, dict]:
        """Project name → {"working_dir", "files"} for every project this host remembers."""

    def container_record(self, project: str, name: str) -> Any:
        """What the container was made with, for ps (image, command, created, number, oneoff, labels), or None."""

    def mounts(self, name: str) -> tuple[int, list[str]]:
        """(local volume count, names) of the container's volumes and binds, as Docker shows them."""

    def network_names(self, project: str, name: str, service: Service | None) -> list[str]: ...

    def ambassador_status(self, project: str, name: str) -> tuple[bool, dict, str]:
        """(running, its counters, the name it shows as)."""

    def ambassador_log(self, project: str, name: str) -> bytes | None: ...

    def state_changes(self) -> Any:
        """A context manager whose wait(timeout) returns when some container's state may have changed."""

    def snapshot(self, project: str, services: tuple[str, ...] = ()) -> dict:
        """Container name → ContainerSnapshot (drivers/events.py) of the project now."""

    def log_reader(self, name: str):
        """The log reader of a container (its log driver as it was created with)."""

    def container_files(self, name: str) -> ContainerFiles:
        """The container's filesystem as host paths (watch's sync writes through it)."""

    # --- images --------------------------------------------------------------------------

    def image_for(self, project: Project, service: Service, pull_override: str | None, reporter: Reporter, build: bool = False) -> Any:
        """The service's image, built or pulled per its policy; reports Pulled / Built."""

    def build_image(self, project: Project, service: Service, reporter: Reporter, options: dict | None = None) -> Any:
        """Build the service's image; options: no_cache, pull, build_args, progress, warn."""

    def image_if_present(self, project: Project, service: Service, pull_override: str | None, build: bool) -> tuple[Any, str, str]:
        """(image or None, its ref, "build" | "pull" | ""): what image_for would do first, doing nothing."""

    # --- project-wide actions ------------------------------------------------------------

    def begin_up(self, project: Project, stop_generations: list[list[str]]) -> None:
        """Before `up` changes anything: refuse names this driver cannot make safely (all
        at once, so nothing is half-created); remember the project and its stop order; the
        converged record no longer holds until this run has converged everything again."""

    def prepare_to_start(self) -> None:
        """A hint that containers will be started soon: begin what can run ahead (the runc
        driver starts its supervisor zygote). Doing nothing is correct."""

    def ensure_networks(self, project: Project, keys: Sequence[str]) -> None: ...

    def check_ports_free(self, project: Project) -> None:
        """Raise if a host port the project would newly bind is taken."""

    def desired_containers(self, project: Project, service: Service, replicas: int, image: Any, prepare: bool = True, chosen=()) -> list:
        """The specs of the service's replicas; prepare=False touches nothing (--dry-run)."""

    def create_container(self, project: Project, service: Service, spec: Any, image: Any, oneoff: bool = False, use_aliases: bool = False) -> None:
        """oneoff (`compose run`): not one of the service's replicas, and reached by its
        container name only unless use_aliases (then also by the service's name and aliases)."""

    def remove_container(self, project: str, name: str, tell_others: bool = True) -> None:
        """The container and everything it has (network, names, record)."""

    def remove_orphan(self, project: str, name: str) -> None:
        """`up --remove-orphans`: the container of a service no longer in the files, and its record."""

    def start_ambassador(self, project: Project, ambassador: Ambassador) -> None: ...

    def refresh_targets(self, project: str) -> None:
        """Point the ambassadors and published ports at the services' current replicas."""

    def publish_ports(self, project: Project) -> list[dict]:
        """(Re)start the host proxy for every published port; returns what is published."""

    def flush_names(self, project: Project) -> None:
        """Pending rewrites of the containers' names (hosts files) done."""

    def record_converged(self, project: Project) -> None:
        """After an `up` that converged everything: the record the no-op `up -d` checks."""

    def stop_proxies(self, project: str) -> list[tuple[str, str]]:
        """Stop the project's ambassadors and port proxy; (kind, name) of each, as proxies()."""

    def remove_networks(self, project: Project, keep: set[str]) -> list[str]:
        """The project's networks (never external ones); containers in `keep` stay attached
        (and their names are rewritten first: the others are gone)."""

    def remove_volumes(self, project: Project) -> list[str]: ...

    def forget_project(self, project: str) -> None: ...

    # --- Compose v2's smaller verbs (drivers/runc/extras.py) -------------------------------

    def container_id(self, project: str, name: str) -> str:
        """A stable 64-hex id for the container's life (a recreate gets a new one), as Docker's."""

    def volume_list(self, project: Project) -> list[dict]:
        """The project's own volumes: Name, Driver, Mountpoint, Labels, Scope (docker volume ls's fields)."""

    def stats_sample(self, name: str) -> dict | None:
        """The container's counters now (cpu_ns, system_ns, online_cpus, memory, memory_limit,
        block_read, block_write, net_rx, net_tx, pids); None when it is not running."""

    def copy_out(self, name: str, path: str, out: Any, follow_link: bool = False, arcname: str | None = None) -> None:
        """A tar of the container's path (a file or a directory; its root named by its last
        component, or arcname: "." for a directory's contents) to out."""

    def copy_in(self, name: str, path: str, archive: Any, as_user: bool = False) -> None:
        """Extract a tar into the container's directory path; owners as in the archive, or
        (as_user, `cp -a`) the container's user when it has one, as Docker does."""

    def path_kind(self, name: str, path: str) -> str | None:
        """"dir", "file" (anything not a directory) or None (missing) for a path in the container."""

    def export(self, name: str, out: Any) -> None:
        """The container's whole filesystem as a tar to out."""

    def push_image(self, tag: str) -> None:
        """Copy the local image `tag` to its registry."""

    def commit_container(self, project: str, name: str, target: str, author: str = "", message: str = "", pause: bool = True, service: Service | None = None) -> str:
        """The container's changes as a new image `target` over its image, with the container's
        run settings (those of `service`, its compose service) as docker commit; returns the image ID."""


@dataclass(frozen=True)
class StackOptions:
    """What `up` asks of a stack driver."""

    services: tuple[str, ...] = ()
    no_deps: bool = False
    allow_dropped: bool = False  # deploy without the settings the driver cannot express (each is reported)
    registry: str | None = None  # where built images are pushed for the nodes to pull
    build: bool = False
    remove_orphans: bool = False


class StackDriver(Protocol):
    """A driver that converges whole services, not containers (the swarm driver): Swarm
    itself creates, restarts and rolls its tasks, so the verbs' per-container plan does not
    apply. It says so with `deploys_stack = True`; `up`, `down`, `ps` and `logs` then hand
    over to composer/cli/stack_cmd.py, which calls only the methods below. Other verbs
    reach the driver's container methods, which it may refuse with one line."""

    deploys_stack: bool

    def deploy(self, project: Project, options: StackOptions, reporter: Reporter) -> Any:
        """Converge the project's (chosen) services, in dependency order with depends_on's
        waits; unchanged services are left alone, changed ones updated in place. Returns
        .ok, .failures (service → line), .said (Compose's own lines), .notes (warnings)."""

    def remove(self, project: str, reporter: Reporter, volumes: bool = False) -> None:
        """Every object of the stack: services, then networks, secrets, configs (volumes with -v)."""

    def containers(self, project: str, service: str | None = None) -> list[ContainerState]:
        """The services' tasks as ContainerStates (what the executor's waits read)."""

    def services(self, project: str) -> list[dict]:
        """The stack's services as the engine describes them (ID, Spec, Version), by name."""

    def tasks(self, project: str, service: str | None = None) -> list[dict]:
        """Each slot's newest task as the engine describes it, plus "service": its name (ps)."""

    def node_names(self) -> dict[str, str]: ...

    def log_lines(self, service: dict, follow: bool, timestamps: bool, tail: Any) -> Any:
        """(slot, line bytes) of one service's log stream from every node (tail: "all" or N)."""

    def events(self) -> Any:
        """The engine's service and container events (dicts) as they come."""
