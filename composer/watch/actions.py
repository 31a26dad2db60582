"""What one batch of changes does to one service: sync, exec, restart or rebuild.

Order within a batch: a `rebuild` rule, if any fired, supersedes the rest (the new
containers start from the rebuilt image). Otherwise every sync-type rule's files are
synced into each container of the service, then each fired sync+exec rule runs its
command once per container, then, if a restart-type rule fired, the containers restart
once (stop honouring the stop grace period, then start). Outcomes go to `notify` as
WatchEvents; nothing here prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from composer.config.model import ExecHook, Project, Service
from composer.drivers.protocol import ContainerState
from composer.errors import ComposerError
from composer.watch.rules import RESTART_ACTIONS, SYNC_ACTIONS, WatchedRule
from composer.watch.sync import SyncCount, sync_path


@dataclass(frozen=True)
class WatchEvent:
    service: str
    text: str  # "synced 3 files in 12 ms", or what went wrong
    failed: bool = False


@dataclass(frozen=True)
class Change:
    rule: int  # index into ServiceWatch.rules
    path: str  # absolute host path
    is_dir: bool


@dataclass(frozen=True)
class ServiceWatch:
    service: Service
    rules: tuple[WatchedRule, ...]


Notify = Callable[[WatchEvent], None]


class ServiceActions:
    def __init__(self, project: Project, engine, notify: Notify, prune: bool = True, quiet: bool = False) -> None:
        self.project = project
        self.engine = engine
        self.notify = notify
        self.prune = prune
        self.quiet = quiet

    def run_batch(self, watch: ServiceWatch, changes: list[Change]) -> None:
        name = watch.service.name
        fired = sorted({change.rule for change in changes})
        actions = {watch.rules[i].rule.action for i in fired}
        if "rebuild" in actions:
            self.rebuild(watch.service)
            return
        containers = self.containers(name)
        if not containers:
            self._fail(name, f"no container to update for {len(changes)} change(s); start it with compose up -d")
            return
        syncing = [c for c in changes if watch.rules[c.rule].rule.action in SYNC_ACTIONS]
        if syncing:
            self.sync(watch, containers, syncing)
        for index in fired:
            hook = watch.rules[index].rule.exec
            if watch.rules[index].rule.action == "sync+exec" and hook is not None:
                self.exec(name, containers, hook)
        if actions & set(RESTART_ACTIONS):
            self.restart(name, containers)

    def containers(self, service: str) -> list[ContainerState]:
        """The service's containers (not `compose run` one-offs), whatever their state."""
        states = self.engine.containers(self.project.name, service)
        return [s for s in states if not self.engine.is_one_off(self.project.name, s.name)]

    def sync(self, watch: ServiceWatch, containers: list[ContainerState], changes: list[Change], only_changed: bool = False) -> None:
        started = time.perf_counter()
        counts = [self._sync_into(watch, state.name, _outermost(changes), only_changed) for state in containers]
        changed = max((c.changed for c in counts if c is not None), default=0)
        if changed:
            self._done(watch.service.name, f"synced {_files(changed)} in {_ms(started)}")

    def _sync_into(self, watch: ServiceWatch, container: str, changes: list[Change], only_changed: bool) -> SyncCount | None:
        count = SyncCount()
        try:
            files = self.engine.container_files(container)
            for change in changes:
                rule = watch.rules[change.rule]
                sync_path(files, change.path, rule.container_path(change.path), rule.covers, count, only_changed)
        except ComposerError as exc:
            self._fail(watch.service.name, exc.one_line())
            return None
        except OSError as exc:
            where = f" ({exc.filename})" if exc.filename else ""
            self._fail(watch.service.name, f"sync into container {container} failed: {exc.strerror or exc}{where}")
            return None
        return count

    def exec(self, service: str, containers: list[ContainerState], hook: ExecHook) -> None:
        env = {key: value for key, value in hook.environment.items() if value is not None}
        shown = " ".join(hook.command)
        for state in containers:
            started = time.perf_counter()
            try:
                code = self.engine.runtime.exec(state.name, hook.command, env=env, user=hook.user, cwd=hook.working_dir, tty=False, privileged=hook.privileged)
            except ComposerError as exc:
                self._fail(service, f"exec `{shown}`: {exc.one_line()}")
                continue
            if code != 0:
                self._fail(service, f"exec `{shown}` in container {state.name} exited with status {code}")
            else:
                unsupported = " (exec.privileged is not supported: it ran unprivileged)" if hook.privileged else ""
                self._done(service, f"ran `{shown}` in {_ms(started)}{unsupported}")

    def restart(self, service: str, containers: list[ContainerState]) -> None:
        from composer.executor.tasks import for_each  # on use: only a restart needs the executor

        started = time.perf_counter()
        runtime = self.engine.runtime
        failures = for_each(containers, lambda s: (runtime.stop(s.name), runtime.start(s.name)))
        for name, reason in failures.items():
            self._fail(service, f"restart of container {name} failed: {reason}")
        if len(failures) < len(containers):
            self._done(service, f"restarted in {_ms(started)}")

    def rebuild(self, service: Service) -> None:
        """As `up --build --force-recreate --no-deps SERVICE`; then prune what the old image left."""
        from composer.plan.service import Strategy  # on use: only a rebuild needs up (networkx, the image store)
        from composer.verbs.options import UpOptions  # on use: as above
        from composer.verbs.up import up  # on use: as above

        started = time.perf_counter()
        options = UpOptions(services=(service.name,), no_deps=True, build=True, strategy=Strategy(force_recreate=True))
        result = up(self.project, options, _Reporter(service.name, self), self.engine)
        if not result.ok:
            self._fail(service.name, f"rebuild failed: {'; '.join(result.failures.values())}")
            return
        if self.prune:
            self.engine.images.prune()
        self._done(service.name, f"rebuilt and recreated in {time.perf_counter() - started:.1f} s")

    def _done(self, service: str, text: str) -> None:
        self.notify(WatchEvent(service, text))

    def _fail(self, service: str, text: str) -> None:
        self.notify(WatchEvent(service, text, failed=True))


class _Reporter:
    """up's progress lines, as watch events of the service being recreated."""

    def __init__(self, service: str, actions: ServiceActions) -> None:
        self.service = service
        self.actions = actions

    def status(self, kind: str, name: str, text: str) -> None:
        if not self.actions.quiet:
            self.actions.notify(WatchEvent(self.service, f"{kind} {name} {text}"))


def _outermost(changes: list[Change]) -> list[Change]:
    """Drop changes inside a directory that is itself in the batch for the same rule (it gets walked)."""
    dirs = {(c.rule, c.path) for c in changes if c.is_dir}
    kept = []
    for change in changes:
        parent, rule = change.path, change.rule
        inside = False
        while not inside and parent not in ("/", ""):
            parent = parent.rsplit("/", 1)[0] or "/"
            inside = (rule, parent) in dirs
        if not inside:
            kept.append(change)
    return kept


def _files(count: int) -> str:
    return f"{count} file" if count == 1 else f"{count} files"


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"
