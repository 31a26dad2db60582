"""The Plan's typed actions: what `up`, `down`, `start`/`stop`/`restart` will do, decided once.

Each action is a frozen dataclass with an `id` (kind and key) and `after`, the ids of the
actions it waits for. `unit` names what fails together: a service or ambassador (its
waits and container steps), or "" for a project-wide step. The executor
(composer/executor: up_runner, down_runner, one_off_runner) carries actions out; --dry-run (composer/verbs/dry_run.py)
prints them; neither decides anything the Plan has not.

Container steps are decided on a spec hash (`decided_on`: the hash of the spec the driver
would build now, or None when it cannot yet: image not in the store, or its spec not
buildable before its dependencies run). The spec itself is bound when the step runs
(deferred spec binding: BindSpecs, then plan/service.py's `rebind`), because it holds what only exists
once the dependencies run: link variables (the linked services' live addresses) and a
`service:` network mode's namespace; and the image's layers when it is pulled or built in
the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Action:
    after: tuple[str, ...] = ()  # ids of the actions this one waits for
    unit: str = ""  # what fails with it: a service / ambassador name; "" project-wide

    @property
    def id(self) -> str:
        return f"{type(self).__name__}:{self.key}"

    @property
    def key(self) -> str:
        return ""


# --- project-wide, before the services ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BeginUp(Action):
    """The driver remembers the project and the stop order `down` will replay."""

    stop_generations: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, kw_only=True)
class RemoveOrphan(Action):
    """A container of a service no longer in the files (`--remove-orphans`)."""

    name: str

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, kw_only=True)
class KeepOrphan(Action):
    """An orphan left as it is; said once (`during`: "up" or "down", each has its words)."""

    name: str
    during: str

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, kw_only=True)
class CreateNetworks(Action):
    """The networks the chosen services are on (`keys`), made where missing (`names`, the
    ones missing now). `refused`: why they cannot be (a missing external network), as the
    driver said it when observing; the real run asks the driver again."""

    keys: tuple[str, ...]
    names: tuple[str, ...]
    refused: Exception | None = field(default=None, compare=False)


@dataclass(frozen=True, kw_only=True)
class CheckPortsFree(Action):
    """A host port the project would newly bind is free (a check, binds nothing lasting)."""


@dataclass(frozen=True, kw_only=True)
class CreateVolume(Action):
    """A named volume that does not exist yet. The driver makes the project's volumes when it
    binds the first container spec (Driver.desired_containers), so this step has nothing
    of its own to run: it is what the run will have made, reported by --dry-run."""

    name: str

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, kw_only=True)
class EnsureImage(Action):
    """The service's image: `how` = "build" | "pull" | "" (in the store and kept).
    `refused`: the driver's error when observing (policy never and no image)."""

    service: str
    ref: str
    how: str
    refused: Exception | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return self.service


# --- per service or ambassador (unit = its name) -----------------------------------------


@dataclass(frozen=True, kw_only=True)
class StartAmbassador(Action):
    name: str
    running: bool  # already up: kept (start_ambassador is idempotent and re-reads its targets)

    @property
    def key(self) -> str:
        return self.name


@dataclass(frozen=True, kw_only=True)
class WaitCondition(Action):
    """`service` waits until `dependency` meets depends_on's `condition`."""

    service: str
    dependency: str
    condition: str

    @property
    def key(self) -> str:
        return f"{self.service}->{self.dependency}"


@dataclass(frozen=True, kw_only=True)
class BindSpecs(Action):
    """Deferred spec binding: when the service's waits are over, the driver builds the specs
    of replicas 1..`replicas` (Driver.desired_containers) and the container steps after it
    are checked against them (plan/service.py's rebind). `problem`: the driver could not
    build them when observing (one line); the real run binds again, --dry-run reports it."""

    service: str
    replicas: int
    problem: str = ""

    @property
    def key(self) -> str:
        return self.service


@dataclass(frozen=True, kw_only=True)
class ContainerStep(Action):
    """One replica: `name`, `number`; decided on the spec hash `decided_on` (None: no spec yet)."""

    service: str
    name: str
    number: int = 0
    decided_on: str | None = None
    reason: str = ""

    @property
    def key(self) -> str:
        return self.name


class CreateContainer(ContainerStep):
    """Absent: create it (and start it unless no_start)."""


class RecreateContainer(ContainerStep):
    """Changed, forced, a new image or its supervisor died: stop, remove, create, start."""


class StartContainer(ContainerStep):
    """Unchanged but not running."""


class KeepContainer(ContainerStep):
    """Unchanged and running (or no_start)."""


class RemoveContainer(ContainerStep):
    """`up`: a replica beyond the wanted scale. `down`: every container (`running`: stop first)."""


@dataclass(frozen=True, kw_only=True)
class RemoveExisting(ContainerStep):
    """`down`: an existing container, stopped first when `running`; `stage`: its stop
    generation (a stage starts when the one before has ended, whatever failed)."""

    running: bool = True
    stage: int = 0


@dataclass(frozen=True, kw_only=True)
class CreateOneOff(ContainerStep):
    """`compose run`: the service's one-off container (the CLI gave the service its one-off
    name, command and options), created and started on the caller's stdin. `use_aliases`:
    it also answers to the service's name and aliases, as Compose's --use-aliases."""

    use_aliases: bool = False


@dataclass(frozen=True, kw_only=True)
class ContainerVerb(Action):
    """`start` / `stop` / `restart` / `kill` / `rm` / `pause` / `unpause` on one existing
    container; `stage` as RemoveExisting's."""

    verb: str
    name: str
    stage: int = 0

    @property
    def key(self) -> str:
        return self.name


# --- project-wide, after the services ----------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PublishPorts(Action):
    """The host proxies for every published port, pointed at the replicas now running."""


@dataclass(frozen=True, kw_only=True)
class RecordConverged(Action):
    """This `up` converges everything: if it succeeds, the no-op `up -d` may answer from a record."""


@dataclass(frozen=True, kw_only=True)
class StopProxies(Action):
    """`down`: the ambassadors and the port proxy (kind, name) running now."""

    proxies: tuple[tuple[str, str], ...]


@dataclass(frozen=True, kw_only=True)
class RemoveNetworks(Action):
    """`down`: the project's own networks (`names`, the ones there now)."""

    names: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RemoveVolumes(Action):
    """`down -v`: the project's own volumes (`names`, the ones there now)."""

    names: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class RemoveImage(Action):
    """`down --rmi`: a service's image that is in the store."""

    ref: str

    @property
    def key(self) -> str:
        return self.ref


@dataclass(frozen=True)
class Plan:
    """The actions in the order they are reported (and, where nothing orders them, run);
    `needs`: unit → the units it waits for, in the graph's order."""

    actions: tuple[Action, ...]
    needs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def of(self, *kinds: type) -> list:
        return [a for a in self.actions if isinstance(a, kinds)]

    def units(self) -> dict[str, list[Action]]:
        """Unit name → its actions in order, units in the order they are first named."""
        found: dict[str, list[Action]] = {}
        for action in self.actions:
            if action.unit:
                found.setdefault(action.unit, []).append(action)
        return found
