"""`include`: bring in the resources of other compose projects.

    include:
      - ../commons/compose.yaml                    # short form
      - path: [db/compose.yaml, db/override.yaml]  # long form: several files merged
        project_directory: db                      # default: the first file's directory
        env_file: [db/.env]                        # default: <project_directory>/.env

Relative `path`, `project_directory` and `env_file` are relative to the including
project's directory (as in Compose). An included project is loaded like any other (its
own extends and includes, relative paths against its project directory), with the
including project's environment, to which its env files only add variables that are not
set yet. Its services, networks, volumes, secrets and configs join the including file;
a name defined both there and in the including file is a Problem unless both definitions
are equal. Include chains are bounded and cycles are reported.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from composer.config.envfile import read_env_files
from composer.config.load_context import LoadContext
from composer.config.paths import absolute
from composer.config.source import Mark, MarkedDict, MarkedList
from composer.errors import ComposeError, Problem, key_path

MAX_INCLUDE_DEPTH = 16
IMPORTED_SECTIONS = ("services", "volumes", "networks", "secrets", "configs")
ENTRY_KEYS = ("path", "project_directory", "env_file")

# Loads the files of a project (already absolute) in a context; returns the merged model.
LoadModel = Callable[[list[str], LoadContext], MarkedDict]


@dataclass(frozen=True)
class _Entry:
    paths: list[str]
    project_dir: Path
    env_files: list[str]
    mark: Mark
    where: str  # key path, e.g. include[0]


def _strings(value: Any) -> list[str] | None:
    """A string or a list of strings as a list; None when it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _parse_entry(entry: Any, index: int, mark: Mark, base_dir: Path, home: str) -> _Entry | str:
    """One include item, paths made absolute; a message string when it is malformed."""
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        return "must be a path or a mapping with path:"
    unknown = sorted(str(key) for key in entry if key not in ENTRY_KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r} (an include takes {', '.join(ENTRY_KEYS)})"
    paths = _strings(entry.get("path"))
    env_files = _strings(entry.get("env_file", []))
    project_dir = entry.get("project_directory")
    if not paths or env_files is None or not (project_dir is None or isinstance(project_dir, str)):
        return "needs path: (a file or a list of files); env_file: and project_directory: are optional paths"
    files = [absolute(path, base_dir, home) for path in paths]
    directory = Path(absolute(project_dir, base_dir, home) if project_dir else os.path.dirname(files[0]))
    env_paths = [absolute(name, base_dir, home) for name in env_files]
    return _Entry(files, directory, env_paths, mark, key_path("include", index))


def apply_include(model: MarkedDict, ctx: LoadContext, load_model: LoadModel) -> None:
    """Load each included project and add its resources to `model` (in place)."""
    entries = model.pop("include", None)
    mark = model.key_marks.pop("include", model.mark)
    if entries is None:
        return
    if not isinstance(entries, MarkedList):
        ctx.problems.append(Problem(mark.location("include"), "must be a list", "write include: [FILE, ...]"))
        return
    for index, raw in enumerate(entries):
        entry = _parse_entry(raw, index, entries.mark_of(index), ctx.work_dir, ctx.session.home)
        if isinstance(entry, str):
            ctx.problems.append(Problem(entries.mark_of(index).location(key_path("include", index)), entry, "see the Compose include syntax"))
            continue
        try:
            included = _load_included(entry, ctx, load_model)
        except ComposeError as exc:
            ctx.problems.extend(exc.problems)
            continue
        _import_resources(model, included, entry, ctx)


def _load_included(entry: _Entry, ctx: LoadContext, load_model: LoadModel) -> MarkedDict:
    main = entry.paths[0]
    if main in ctx.include_chain:
        chain = " -> ".join(ctx.label(path) for path in (*ctx.include_chain, main))
        raise ComposeError(Problem(entry.mark.location(entry.where), f"include cycle: {chain}", "remove one of these includes"))
    if len(ctx.include_chain) > MAX_INCLUDE_DEPTH:  # the chain holds the including file too
        raise ComposeError(Problem(entry.mark.location(entry.where), f"includes are nested more than {MAX_INCLUDE_DEPTH} deep", "flatten the includes"))
    env_files = entry.env_files
    if not env_files and (entry.project_dir / ".env").is_file():
        env_files = [str(entry.project_dir / ".env")]
    for name in entry.env_files:
        if not os.path.isfile(name):
            raise ComposeError(Problem(entry.mark.location(entry.where), f"env file {ctx.label(name)} not found", "create it or fix env_file"))
    environment = dict(ctx.environment)
    for key, value in read_env_files(env_files, ctx.environment, ctx.warnings, ctx.label).items():
        environment.setdefault(key, value)
    child = replace(ctx, environment=environment, work_dir=entry.project_dir)
    return load_model(entry.paths, child)


def _import_resources(model: MarkedDict, included: MarkedDict, entry: _Entry, ctx: LoadContext) -> None:
    for section in IMPORTED_SECTIONS:
        imported = included.get(section)
        if not isinstance(imported, MarkedDict) or not imported:
            continue
        target = model.get(section)
        if target is None:
            target = MarkedDict(mark=entry.mark)
            model[section] = target
            model.key_marks[section] = entry.mark
        if not isinstance(target, MarkedDict):
            continue  # the builder reports a section that is not a mapping
        for name, value in imported.items():
            if name in target and target[name] != value:
                location = target.mark_of(name).location(key_path(section, name))
                ctx.problems.append(Problem(location, f"also defined by included {ctx.label(entry.paths[0])}", "rename one of them, or change the included one from an override file (-f)"))
                continue
            target[name] = value
            target.key_marks[name] = imported.mark_of(name)
