"""The first half of loading: compose files → one merged, interpolated MarkedDict.

    assemble(options) -> Assembled        raises ComposeError with every problem found

discover (files, project directory, .env) → project name → for each file: read YAML →
interpolate → make relative paths absolute → extends → include → merge over the files
before it → one item per key in set-like lists. The builder (build.py) takes it from
there. Paths are resolved as Compose resolves them: every relative path of the project's
own files against the project directory (extends.file and include paths too), those of a
file loaded for `extends: {file: ...}` against that file's directory, and those of an
included project against its project directory.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from composer.config.assembled import Assembled
from composer.config.discover import STDIN, choose_project_name, discover, display_path
from composer.config.extends import ServiceFile, apply_extends
from composer.config.fields_volumes import is_host_path, split_volume_spec
from composer.config.include import apply_include
from composer.config.interpolate import TreeInterpolator
from composer.config.load_context import LoadContext, LoadSession
from composer.config.merge import merge_models
from composer.config.merge_tree import copy_tree
from composer.config.merge_unique import enforce_unicity
from composer.config.options import LoadOptions
from composer.config.paths import absolute
from composer.config.source import MAX_FILE_BYTES, Mark, MarkedDict, MarkedList, Source, read_source
from composer.errors import ComposeError, Location, Problem

MAX_FILES_READ = 512  # compose files, extended and included files, all together


def assemble(options: LoadOptions) -> Assembled:
    """Load, interpolate and merge the project's compose files. Raises ComposeError."""
    found = discover(options)
    session = LoadSession(options.cwd, options.interpolate, options.environ.get("HOME") or os.path.expanduser("~"), warnings=list(found.warnings))
    if STDIN in found.files:
        _read_stdin(options, session)
    for path in found.files:
        if path != STDIN:
            _source(path, session)
    _raise_if_any(session.problems)
    name = choose_project_name(options, found.environment, lambda: _declared_name(found.files, found.environment, session), found.project_dir)
    environment = {**found.environment, "COMPOSE_PROJECT_NAME": name}
    context = LoadContext(session, environment, found.project_dir)
    data = load_model(found.files, context)
    if not data and not session.problems:
        session.problems.append(Problem(Location(context.label(found.files[0])), "empty compose file", "add a services: section"))
    _raise_if_any(session.problems)
    profiles = options.profiles or tuple(p.strip() for p in environment.get("COMPOSE_PROFILES", "").split(",") if p.strip())
    return Assembled(found.files, found.project_dir, name, environment, data, profiles, options.services, session.warnings)


def _raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise ComposeError(list(dict.fromkeys(problems)))  # a file extended twice reports once


def _read_stdin(options: LoadOptions, session: LoadSession) -> None:
    if options.stdin_text is None:
        raise ComposeError(Problem(Location("<stdin>"), "-f - reads the compose file from standard input, but none was given", "pipe the file in, or pass its path"))
    try:
        session.sources[STDIN] = read_source(options.stdin_text, "<stdin>")
    except ComposeError as exc:
        session.problems.extend(exc.problems)


def _source(path: str, session: LoadSession) -> Source | None:
    """The parsed file (read once per assemble); None after a problem."""
    if path not in session.sources:
        if len(session.sources) >= MAX_FILES_READ:
            raise ComposeError(Problem(Location(display_path(path, session.cwd)), f"more than {MAX_FILES_READ} files to read", "check for runaway includes or extends"))
        label = display_path(path, session.cwd)
        try:
            session.sources[path] = read_source(_read_bytes(path, label), label)
        except ComposeError as exc:
            session.problems.extend(exc.problems)
            session.sources[path] = Source(path, None)
    source = session.sources[path]
    return None if source.data is None else source


def _read_bytes(path: str, label: str) -> bytes:
    if os.path.isdir(path):
        raise ComposeError(Problem(Location(label), "is a directory, not a compose file", "pass the compose file inside it"))
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ComposeError(Problem(Location(label), f"cannot read file: {exc.strerror}", "check the path")) from None


def _declared_name(files: list[str], environment: dict[str, str], session: LoadSession) -> tuple[str, Location] | None:
    """The last non-empty top-level `name:` of the compose files, interpolated."""
    declared: tuple[Any, MarkedDict] | None = None
    for path in files:
        data = session.sources[path].data
        if isinstance(data, MarkedDict) and isinstance(data.get("name"), (str, int)) and data["name"] != "":
            declared = (str(data["name"]), data)
    if declared is None:
        return None
    raw, data = declared
    problems: list[Problem] = []
    name = TreeInterpolator(environment, problems, session.warnings).value(raw, ("name",), data, "name") if session.interpolate else raw
    _raise_if_any(problems)
    return name, data.mark_of("name").location("name")


def load_model(files: list[str], ctx: LoadContext) -> MarkedDict:
    """Load the files of one project and merge them in order."""
    merged = MarkedDict(mark=Mark(ctx.label(files[0]), 1, 1))
    for path in files:
        model = load_file(path, ctx, ctx.work_dir)
        if model is None:
            continue
        services = model.get("services")
        if isinstance(services, MarkedDict):
            apply_extends(ServiceFile(path, ctx.label(path), services), lambda other: _load_for_extends(other, ctx), ctx.problems)
        apply_include(model, replace(ctx, include_chain=(*ctx.include_chain, path)), load_model)
        if "version" in model:
            ctx.warnings.append(f"{ctx.label(path)}: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion")
            del model["version"]
        merged = merge_models(merged, model, ctx.problems)
    enforce_unicity(merged)
    return merged


def load_file(path: str, ctx: LoadContext, base_dir: Path) -> MarkedDict | None:
    """One file, interpolated, its relative paths resolved against base_dir (a fresh copy)."""
    source = _source(path, ctx.session)
    if source is None:
        return None
    if not isinstance(source.data, MarkedDict):
        ctx.problems.append(Problem(Location(ctx.label(path), 1, 1), "the top level must be a mapping", "start the file with keys like services:"))
        return None
    key = (path, str(base_dir), id(ctx.environment))
    if key not in ctx.session.loaded:
        # both make new containers: YAML aliases stop being shared, the parsed file stays as read
        data = _prepared(source.data, ctx, base_dir)
        for document in source.more:  # later documents of the file merge over the earlier ones
            if isinstance(document, MarkedDict):
                data = merge_models(data, _prepared(document, ctx, base_dir), ctx.problems)
        ctx.session.loaded[key] = data
    return copy_tree(ctx.session.loaded[key])


def _prepared(document: MarkedDict, ctx: LoadContext, base_dir: Path) -> MarkedDict:
    if ctx.session.interpolate:
        data = TreeInterpolator(ctx.environment, ctx.problems, ctx.warnings).value(document, ())
    else:
        data = copy_tree(document)
    resolve_paths(data, base_dir, ctx.session.home)
    return data


def _load_for_extends(path: str, ctx: LoadContext) -> ServiceFile | None:
    model = load_file(path, ctx, Path(os.path.dirname(path)))
    if model is None:
        return None  # load_file has recorded why
    services = model.get("services")
    if not isinstance(services, MarkedDict):
        ctx.problems.append(Problem(Location(ctx.label(path)), "has no services: mapping to extend", "add the service there or fix extends.file"))
        return None
    return ServiceFile(path, ctx.label(path), services)


# --- relative paths -----------------------------------------------------------------

_REMOTE_PREFIXES = ("https://", "http://", "git://", "ssh://", "github.com/", "git@", "service:")


class _PathResolver:
    """Makes the path-valued keys of one file absolute, in place (as compose-go's
    ResolveRelativePaths): build context and additional contexts (not URLs), env_file,
    label_file, extends.file, develop.watch[].path, bind sources of service volumes,
    secrets/configs file, and local bind volumes' driver_opts.device."""

    def __init__(self, base_dir: Path, home: str) -> None:
        self.base_dir = base_dir
        self.home = home

    def path(self, value: Any) -> Any:
        return absolute(value, self.base_dir, self.home) if isinstance(value, str) else value

    def host_path(self, value: Any) -> Any:
        """A bind source, secret/config file or bind device: a Windows path stays as written."""
        return absolute(value, self.base_dir, self.home, keep_windows=True) if isinstance(value, str) else value

    def context(self, value: Any) -> Any:
        remote = isinstance(value, str) and ("://" in value or value.startswith(_REMOTE_PREFIXES))
        return value if remote else self.path(value)

    def in_place(self, container: Any, key: str, convert: Callable[[Any], Any]) -> None:
        if isinstance(container, MarkedDict) and key in container:
            container[key] = convert(container[key])

    def each(self, container: Any, key: str, convert: Callable[[Any], Any]) -> None:
        """container[key] is one value or a list of them."""
        value = container.get(key) if isinstance(container, MarkedDict) else None
        if isinstance(value, MarkedList):
            value[:] = [convert(item) for item in value]
        else:
            self.in_place(container, key, convert)

    def env_file(self, entry: Any) -> Any:
        if isinstance(entry, MarkedDict):
            self.in_place(entry, "path", self.path)
            return entry
        return self.path(entry)

    def volume(self, entry: Any) -> Any:
        if isinstance(entry, MarkedDict):
            if entry.get("type") == "bind":
                self.in_place(entry, "source", self.host_path)
            return entry
        parts = split_volume_spec(entry) if isinstance(entry, str) and len(entry) > 2 else []
        if len(parts) > 1 and is_host_path(parts[0]):
            return ":".join([self.host_path(parts[0]), *parts[1:]])
        return entry

    def watch_path(self, value: Any) -> Any:
        resolved = self.path(value)
        return os.path.realpath(resolved) if isinstance(resolved, str) and os.path.islink(resolved) else resolved

    def additional_context(self, value: Any) -> Any:
        if isinstance(value, str) and "=" in value:  # list form: name=path
            name, target = value.split("=", 1)
            return f"{name}={self.context(target)}"
        return self.context(value)

    def service(self, service: Any) -> None:
        if not isinstance(service, MarkedDict):
            return
        build = service.get("build")
        if isinstance(build, str):
            service["build"] = self.context(build)
        elif isinstance(build, MarkedDict):
            self.in_place(build, "context", self.context)
            contexts = build.get("additional_contexts")
            if isinstance(contexts, MarkedDict):
                for key in list(contexts):
                    contexts[key] = self.context(contexts[key])
            else:
                self.each(build, "additional_contexts", self.additional_context)
        self.each(service, "env_file", self.env_file)
        self.each(service, "label_file", self.path)
        self.each(service, "volumes", self.volume)
        extends = service.get("extends")
        if isinstance(extends, MarkedDict):
            self.in_place(extends, "file", self.context)
        develop = service.get("develop")
        watch = develop.get("watch") if isinstance(develop, MarkedDict) else None
        for rule in watch if isinstance(watch, MarkedList) else ():
            self.in_place(rule, "path", self.watch_path)

    def top_level(self, model: MarkedDict) -> None:
        for section in ("secrets", "configs"):
            entries = model.get(section)
            for entry in entries.values() if isinstance(entries, MarkedDict) else ():
                self.in_place(entry, "file", self.host_path)
        volumes = model.get("volumes")
        for volume in volumes.values() if isinstance(volumes, MarkedDict) else ():
            options = volume.get("driver_opts") if isinstance(volume, MarkedDict) and volume.get("driver") == "local" else None
            if isinstance(options, MarkedDict) and options.get("o") == "bind":
                self.in_place(options, "device", self.host_path)


def resolve_paths(model: MarkedDict, base_dir: Path, home: str) -> None:
    """Make the relative paths of one loaded file absolute against base_dir (in place)."""
    resolver = _PathResolver(base_dir, home)
    services = model.get("services")
    for service in services.values() if isinstance(services, MarkedDict) else ():
        resolver.service(service)
    resolver.top_level(model)
