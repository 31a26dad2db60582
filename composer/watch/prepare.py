"""From the project and the chosen services to the rules to watch, refusing bad input.

Each problem is one line naming the service and rule (`services.web.develop.watch[0]`)
and what to do; all of them are reported at once (WatchError.more).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Sequence
from typing import Any

from composer.config.model import Project, Service
from composer.drivers.protocol import ContainerState
from composer.errors import ComposerError
from composer.watch.actions import ServiceWatch
from composer.watch.errors import WatchError
from composer.watch.rules import SYNC_ACTIONS, WatchedRule, watched_rule

Containers = Callable[[str], list[ContainerState]]  # service → its containers
Files = Callable[[str], Any]  # container → its files on the host (Driver.container_files)


def prepare_watch(project: Project, services: Sequence[str], containers: Containers, files: Files, required: bool = True) -> list[ServiceWatch]:
    """The services to watch (all with develop.watch when none are named), checked.

    required=False (up --watch): no service with develop.watch is not an error but an
    empty list, for the caller to warn about.
    """
    chosen = _chosen(project, services, required)
    problems: list[str] = []
    watches = []
    for service in chosen:
        rules = [_checked_rule(project, service, index, problems) for index, rule in enumerate(service.develop.watch)]
        if any(rule is None for rule in rules):
            continue
        running = [s for s in containers(service.name) if s.status == "running"]
        if not running:
            problems.append(f"service {service.name} has no running container to watch; start it with compose up -d (or run compose watch without --no-up)")
            continue
        _check_targets(rules, files, running[0].name, problems)  # type: ignore[arg-type]
        watches.append(ServiceWatch(service, tuple(rules)))  # type: ignore[arg-type]
    if problems:
        raise WatchError.of(problems)
    return watches


def _chosen(project: Project, services: Sequence[str], required: bool) -> list[Service]:
    unknown = [name for name in services if name not in project.services]
    if unknown:
        raise WatchError.of([f"no such service: {name}; the project's services are {', '.join(sorted(project.services))}" for name in unknown])
    if services:
        named = [project.services[name] for name in services]
        bare = [s.name for s in named if not _has_watch(s)]
        if bare and not required:
            return [s for s in named if _has_watch(s)]
        if bare:
            raise WatchError.of([f"service {name} has no develop.watch section; add watch rules under services.{name}.develop or leave it out" for name in bare])
        return named
    found = [s for _, s in sorted(project.services.items()) if _has_watch(s)]
    if not found and required:
        raise WatchError("none of the services has a develop.watch section", "add watch rules under services.<name>.develop.watch")
    return found


def _has_watch(service: Service) -> bool:
    return service.develop is not None and bool(service.develop.watch)


def _checked_rule(project: Project, service: Service, index: int, problems: list[str]) -> WatchedRule | None:
    rule = service.develop.watch[index]  # type: ignore[union-attr]
    where = f"services.{service.name}.develop.watch[{index}]"
    before = len(problems)
    if not os.path.exists(rule.path):
        problems.append(f"{where}.path: {_shown(project, rule.path)} does not exist; create it or fix the path")
    if rule.action in SYNC_ACTIONS:
        _check_target_syntax(where, rule.action, rule.target, problems)
    if rule.action == "sync+exec" and (rule.exec is None or not rule.exec.command):
        problems.append(f"{where}: action sync+exec needs exec.command; add exec: {{command: …}}")
    if rule.action == "rebuild" and service.build is None:
        problems.append(f"{where}: action rebuild needs a build section in service {service.name}; add build: or use sync/restart")
    if len(problems) > before:
        return None
    return watched_rule(service, index, rule)


def _check_target_syntax(where: str, action: str, target: str | None, problems: list[str]) -> None:
    if not target:
        problems.append(f"{where}: action {action} needs a target (the path in the container to sync to); add target: /path")
    elif not target.startswith("/"):
        problems.append(f"{where}.target: {target!r} is not an absolute path in the container; use e.g. /{target.lstrip('./')}")
    elif ".." in target.split("/"):
        problems.append(f"{where}.target: {target!r} goes outside the container's filesystem ('..'); use a plain absolute path")
    elif posixpath.normpath(target) == "/":
        problems.append(f"{where}.target: syncing onto the container's root / is refused; use a directory such as /app")


def _check_targets(rules: list[WatchedRule], files_of: Files, container: str, problems: list[str]) -> None:
    """Targets on a tmpfs/proc or a read-only mount of the (first) container cannot be written."""
    try:
        files = files_of(container)
    except ComposerError as exc:
        problems.append(exc.one_line())
        return
    for rule in rules:
        if rule.rule.action in SYNC_ACTIONS and rule.rule.target:
            try:
                files.check_target(rule.rule.target, f"{rule.key_path}.target")
            except ComposerError as exc:
                problems.append(exc.one_line())


def _shown(project: Project, path: str) -> str:
    """./app for a path inside the project directory, else the absolute path."""
    relative = os.path.relpath(path, project.project_dir)
    return path if relative.startswith("..") else f"./{relative}" if relative != "." else "."
