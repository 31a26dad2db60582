"""Reading one value of the assembled tree: its key path, its mark, and typed accessors.

A Node pairs a raw value with where it is (key path and Mark) and the shared Problems
list. Accessors convert or report: a wrong value adds one Problem and returns None, so
the builders keep going and the user gets every problem in one pass. Values that came
through interpolation may be strings ("3", "true"); numbers and booleans accept them,
as Compose does.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from composer.config.paths import absolute
from composer.config.source import NO_MARK, Mark, MarkedDict, MarkedList
from composer.config.units import UnitError, parse_duration, parse_size
from composer.errors import Problem, key_path

T = TypeVar("T")

_TRUE = {"true", "yes", "on", "y"}
_FALSE = {"false", "no", "off", "n"}


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


@dataclass
class Node:
    value: Any
    path: tuple[str | int, ...]
    mark: Mark
    problems: list[Problem]
    warnings: list[str] = field(default_factory=list)  # shared along the tree, like problems

    @property
    def key_path(self) -> str:
        return key_path(*self.path)

    @property
    def name(self) -> str:
        """The last key of the path (a mapping key, e.g. a service name)."""
        return str(self.path[-1]) if self.path else ""

    def error(self, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.mark.location(self.key_path), message, hint))

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.mark.location(self.key_path)}: {message}")

    def wrong_type(self, expected: str, hint: str = "") -> None:
        self.error(f"must be {expected}, not {type_name(self.value)}", hint)

    # --- structure -------------------------------------------------------------

    def child(self, key: str | int, value: Any) -> Node:
        mark = self.value.mark_of(key) if isinstance(self.value, (MarkedDict, MarkedList)) else self.mark
        return Node(value, (*self.path, key), mark if mark is not NO_MARK else self.mark, self.problems, self.warnings)

    def mapping(self, allowed: Iterable[str] | None = None) -> dict[str, Node] | None:
        """The entries of a mapping (x- keys dropped), checking keys against `allowed`."""
        if not isinstance(self.value, dict):
            self.wrong_type("a mapping")
            return None
        known = set(allowed) if allowed is not None else None
        entries: dict[str, Node] = {}
        for key, value in self.value.items():
            node = self.child(str(key), value)
            if isinstance(key, str) and key.startswith("x-"):
                continue
            if known is not None and key not in known:
                node.error("unknown key", did_you_mean(str(key), known))
                continue
            entries[str(key)] = node
        return entries

    def items(self) -> list[Node] | None:
        if not isinstance(self.value, list):
            self.wrong_type("a list")
            return None
        return [self.child(index, value) for index, value in enumerate(self.value)]

    # --- scalars ---------------------------------------------------------------

    def string(self) -> str | None:
        if isinstance(self.value, str):
            return self.value
        self.wrong_type("a string")
        return None

    def scalar_string(self) -> str | None:
        """A string, number or boolean written as a string (labels, env values, expose)."""
        if isinstance(self.value, bool):
            return "true" if self.value else "false"
        if isinstance(self.value, (str, int, float)):
            return str(self.value)
        self.wrong_type("a string or number")
        return None

    def integer(self, minimum: int | None = None) -> int | None:
        value = self.value
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.wrong_type("an integer")
            return None
        if minimum is not None and value < minimum:
            self.error(f"must be {minimum} or more, not {value}")
            return None
        return value

    def number(self) -> float | None:
        value = self.value
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                pass
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.wrong_type("a number")
            return None
        return float(value)

    def boolean(self) -> bool | None:
        if isinstance(self.value, bool):
            return self.value
        if isinstance(self.value, str) and self.value.lower() in _TRUE | _FALSE:
            return self.value.lower() in _TRUE
        self.wrong_type("a boolean", "write true or false")
        return None

    def one_of(self, choices: Iterable[str]) -> str | None:
        text = self.string()
        allowed = tuple(choices)
        if text is not None and text not in allowed:
            self.error(f"{text!r} is not one of {', '.join(allowed)}", did_you_mean(text, allowed))
            return None
        return text

    def duration(self) -> int | None:
        return self._unit(parse_duration)

    def size(self, allow_unlimited: bool = False) -> int | None:
        return self._unit(lambda value: parse_size(value, allow_unlimited))

    def _unit(self, parse: Callable[[Any], int]) -> int | None:
        try:
            return parse(self.value)
        except UnitError as exc:
            self.error(exc.message, exc.hint)
            return None

    # --- common compound shapes ------------------------------------------------

    def string_list(self, allow_single: bool = False) -> tuple[str, ...] | None:
        """A list of strings (numbers accepted); `allow_single` also takes one string (not a number, as Compose)."""
        if allow_single and isinstance(self.value, str):
            return (self.value,)
        entries = self.items()
        if entries is None:
            return None
        values = [entry.scalar_string() for entry in entries]
        return tuple(v for v in values if v is not None)

    def string_mapping(self, separator: str = "=", allow_null: bool = False) -> dict[str, Any] | None:
        """A mapping of strings, or a list of "KEY=VALUE" (labels, sysctls, args, env).

        With allow_null, a null value or a bare "KEY" in list form maps to None.
        """
        if isinstance(self.value, list):
            return self._mapping_from_list(separator, allow_null)
        entries = self.mapping()
        if entries is None:
            return None
        result: dict[str, Any] = {}
        for key, node in entries.items():
            if node.value is None and allow_null:
                result[key] = None
                continue
            if node.value is None:
                result[key] = ""
                continue
            value = node.scalar_string()
            if value is not None:
                result[key] = value
        return result

    def _mapping_from_list(self, separator: str, allow_null: bool) -> dict[str, Any] | None:
        result: dict[str, Any] = {}
        for entry in self.items() or ():
            text = entry.scalar_string()
            if text is None:
                continue
            key, found, value = text.partition(separator)
            if not key:
                entry.error(f"{text!r} has no name before {separator!r}", f"write NAME{separator}VALUE")
            elif found:
                result[key] = value
            else:
                result[key] = None if allow_null else ""
        return result

    def each(self, build: Callable[[Node], T | None]) -> tuple[T, ...] | None:
        """Build every item of a list, skipping the ones that reported a problem."""
        entries = self.items()
        if entries is None:
            return None
        built = [build(entry) for entry in entries]
        return tuple(item for item in built if item is not None)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def fields(node: Node, handlers: dict[str, Callable[[Node], Any]], renames: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Run one handler per key of a mapping: {key: handler(child)} for keys that parsed.

    Unknown keys are reported with a did-you-mean. `renames` maps a YAML key to the
    dataclass field it fills when they differ.
    """
    entries = node.mapping(handlers)
    if entries is None:
        return None
    result: dict[str, Any] = {}
    for key, child in entries.items():
        value = handlers[key](child)
        if value is not None:
            result[(renames or {}).get(key, key)] = value
    return result


@dataclass(frozen=True)
class Context:
    """What field builders need beyond the node: where relative paths start, the environment."""

    project_name: str
    project_dir: str
    environment: dict[str, str]

    def host_path(self, path: str) -> str:
        """A host path as Compose resolves it (paths.absolute): `~` is $HOME; relative is
        joined to the project dir; absolute, Unix or Windows (`C:\\…`), stays as written."""
        home = self.environment.get("HOME") or os.path.expanduser("~")
        return absolute(path, self.project_dir, home, keep_windows=True)
