"""`${VAR}` substitution, as Compose (compose-go's template package) does it.

Forms: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
`${VAR?message}`, `${VAR:+alternative}`, `${VAR+alternative}`; defaults, messages and
alternatives are themselves templates (`${A:-${B:-x}}`) and are only expanded when used.
`$$` is a literal `$`; a `$` not followed by a name, `{` or `$` stays as it is.
Names are ASCII letters, digits and `_`, not starting with a digit.

`substitute` works on one string and raises a bare TemplateError; `interpolate_tree`
walks a file's values (never its keys), adds the location, and collects every problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from composer.config.source import MarkedDict, MarkedList, Override, Reset, mark_of
from composer.errors import Problem, key_path

Lookup = Callable[[str], "str | None"]
OnMissing = Callable[[str], None]

_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")  # two-character ones first


class TemplateError(Exception):
    """A value that cannot be substituted; `message` is one line without location."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _invalid(text: str) -> TemplateError:
    return TemplateError(f'invalid interpolation format "{text}"', "escape a literal $ as $$")


def missing_warning(name: str) -> str:
    return f'The "{name}" variable is not set. Defaulting to a blank string.'


def substitute(text: str, lookup: Lookup, on_missing: OnMissing | None = None) -> str:
    """Expand every variable in `text`. Raises TemplateError."""
    out: list[str] = []
    position = 0
    while (dollar := text.find("$", position)) >= 0:
        out.append(text[position:dollar])
        following = text[dollar + 1 : dollar + 2]
        if following == "$":
            out.append("$")
            position = dollar + 2
        elif name := _NAME.match(text, dollar + 1):
            out.append(_plain(name.group(), lookup, on_missing))
            position = name.end()
        elif following == "{":
            close = _closing_brace(text, dollar + 1)
            if close < 0:
                raise _invalid(text)
            out.append(_braced(text[dollar + 2 : close], text, lookup, on_missing))
            position = close + 1
        else:  # a lone `$` is kept
            out.append("$")
            position = dollar + 1
    out.append(text[position:])
    return "".join(out)


def _plain(name: str, lookup: Lookup, on_missing: OnMissing | None) -> str:
    value = lookup(name)
    if value is None:
        if on_missing is not None:
            on_missing(name)
        return ""
    return value


def _closing_brace(text: str, opening: int) -> int:
    """Index of the `}` that closes the `{` at `opening` (braces nest), or -1."""
    depth = 0
    for index in range(opening, len(text)):
        char = text[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _braced(body: str, whole: str, lookup: Lookup, on_missing: OnMissing | None) -> str:
    name_match = _NAME.match(body)
    if name_match is None:
        raise _invalid(whole)
    name, rest = name_match.group(), body[name_match.end() :]
    if not rest:
        return _plain(name, lookup, on_missing)
    operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
    if operator is None:
        raise _invalid(whole)
    argument = rest[len(operator) :]
    value = lookup(name)
    is_set, non_empty = value is not None, bool(value)
    if operator in (":-", "-"):
        use_default = not non_empty if operator == ":-" else not is_set
        return substitute(argument, lookup, on_missing) if use_default else value or ""
    if operator in (":+", "+"):
        use_alternative = non_empty if operator == ":+" else is_set
        return substitute(argument, lookup, on_missing) if use_alternative else value or ""
    if (non_empty if operator == ":?" else is_set):
        return value or ""
    reason = substitute(argument, lookup, on_missing)
    message = f"required variable {name} is missing a value" + (f": {reason}" if reason else "")
    raise TemplateError(message, f"set {name} in the environment or in the .env file")


class TreeInterpolator:
    """Interpolates every string value of a file, collecting problems and warnings.

    Returns new containers with the same marks; the input is not changed.
    """

    def __init__(self, environment: dict[str, str], problems: list[Problem], warnings: list[str]) -> None:
        self.environment = environment
        self.problems = problems
        self.warnings = warnings

    def _note_missing(self, name: str) -> None:
        line = missing_warning(name)
        if line not in self.warnings:
            self.warnings.append(line)

    def value(self, value: Any, path: tuple[str | int, ...], container: Any = None, key: Any = None) -> Any:
        if isinstance(value, str):
            return self._string(value, path, container, key)
        if isinstance(value, MarkedDict):
            result = MarkedDict(mark=value.mark)
            for child_key, child in value.items():
                result[child_key] = self.value(child, (*path, str(child_key)), value, child_key)
            result.key_marks.update(value.key_marks)
            return result
        if isinstance(value, MarkedList):
            result_list = MarkedList(mark=value.mark)
            result_list.extend(self.value(item, (*path, index), value, index) for index, item in enumerate(value))
            result_list.item_marks.extend(value.item_marks)
            return result_list
        if isinstance(value, (Reset, Override)):
            return type(value)(self.value(value.value, path, container, key), value.mark)
        return value

    def _string(self, text: str, path: tuple[str | int, ...], container: Any, key: Any) -> str:
        if "$" not in text:
            return text
        try:
            return substitute(text, self.environment.get, self._note_missing)
        except TemplateError as exc:
            location = mark_of(container, key).location(key_path(*path))
            self.problems.append(Problem(location, exc.message, exc.hint))
            return text
