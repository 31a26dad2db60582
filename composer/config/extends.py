"""`extends`: a service built on another one, in the same file or in another file.

    services:
      web:
        extends: base                                   # same file
      worker:
        extends: {service: app, file: common/app.yaml}  # another file

The extended service is merged under the extending one with the usual merge rules
(merge.extend_service), recursively; the result has no `extends` key. A file named by
`file:` is read with the same environment, and its relative paths were resolved against
its own directory when it was loaded (so they stay right after the copy). Cycles and
missing services or files are Problems; nothing loops: each (file, service) is resolved
once, and a chain is at most MAX_EXTENDS_DEPTH long.

Marks: the result is marked where the extending service is; keys that came from the
extended service keep the marks of the file they were written in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from composer.config.merge import extend_service
from composer.config.source import MarkedDict
from composer.errors import Problem, key_path

MAX_EXTENDS_DEPTH = 32


@dataclass(frozen=True)
class ServiceFile:
    """The services of one loaded file, and how to name that file to users."""

    path: str
    label: str
    services: MarkedDict


# Loads another file for `extends.file` (an absolute path); None when it cannot (the
# loader has recorded why).
LoadOther = Callable[[str], "ServiceFile | None"]


class _Resolver:
    """Resolves services lazily, each (file, service) once; `chain` is the path taken."""

    def __init__(self, load_other: LoadOther, problems: list[Problem]) -> None:
        self.load_other = load_other
        self.problems = problems
        self.done: dict[tuple[str, str], Any] = {}

    def service(self, where: ServiceFile, name: str, chain: tuple[tuple[str, str, str], ...]) -> Any:
        """The service `name` of `where` with its extends applied (None after a problem)."""
        service = where.services.get(name)
        if not isinstance(service, MarkedDict) or "extends" not in service:
            return service
        ident = (where.path, name)
        if ident in self.done:
            return self.done[ident]
        here = (where.path, name, where.label)
        if any(link[:2] == ident for link in chain):
            return self.problem(where, name, f"extends cycle: {_chain_text((*chain, here))}", "remove one of these extends")
        if len(chain) >= MAX_EXTENDS_DEPTH:
            return self.problem(where, name, f"extends is nested more than {MAX_EXTENDS_DEPTH} deep", "flatten the chain of extended services")
        result = self.extend(where, name, service, (*chain, here))
        self.done[ident] = result
        return result

    def extend(self, where: ServiceFile, name: str, service: MarkedDict, chain: tuple[tuple[str, str, str], ...]) -> Any:
        reference = _reference(service["extends"])
        if reference is None:
            return self.problem(where, name, "must be a service name or a mapping with service: (and file:)", "write extends: NAME or extends: {service: NAME, file: FILE}")
        target_name, file = reference
        source = where
        if file is not None:
            loaded = self.load_other(file)
            if loaded is None:
                return None
            source = loaded
        if target_name not in source.services:
            return self.problem(where, name, f'service "{target_name}" not found in {source.label}', f'define "{target_name}" there or extend another service')
        base = self.service(source, target_name, chain)
        if not isinstance(base, MarkedDict):
            return None if base is None else self.problem(where, name, f'cannot extend "{target_name}": it is not a mapping', "give it settings or extend another service")
        own = MarkedDict(((key, value) for key, value in service.items() if key != "extends"), mark=service.mark)
        own.key_marks.update(service.key_marks)
        merged = extend_service(base, own, name, self.problems)
        merged.mark = service.mark
        return merged

    def problem(self, where: ServiceFile, name: str, message: str, hint: str) -> None:
        service = where.services[name]
        mark = service.mark_of("extends") if isinstance(service, MarkedDict) else where.services.mark_of(name)
        self.problems.append(Problem(mark.location(key_path("services", name, "extends")), message, hint))
        return None


def _reference(extends: Any) -> tuple[str, str | None] | None:
    """(service, file or None) from `extends: NAME` or `extends: {service, file}`."""
    if isinstance(extends, str) and extends:
        return extends, None
    if isinstance(extends, dict) and isinstance(extends.get("service"), str):
        file = extends.get("file")
        if file is None or isinstance(file, str):
            return extends["service"], file
    return None


def _chain_text(chain: tuple[tuple[str, str, str], ...]) -> str:
    return " -> ".join(f"{name} ({label})" for _, name, label in chain)


def apply_extends(where: ServiceFile, load_other: LoadOther, problems: list[Problem]) -> None:
    """Replace each extending service of a loaded file by its merged result, in place."""
    resolver = _Resolver(load_other, problems)
    for name in list(where.services):
        resolved = resolver.service(where, name, ())
        if resolved is not None:
            where.services[name] = resolved
        elif isinstance(where.services[name], MarkedDict):
            where.services[name].pop("extends", None)
