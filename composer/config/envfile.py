"""`.env` files, read with the dotenv syntax Compose (compose-go's dotenv package) accepts.

    # comment                  KEY=value          export KEY=value     KEY: value
    KEY=unquoted # comment     KEY='single $raw'  KEY="double ${X}\n"  KEY (inherited)

Unquoted values end at the line's end and lose a ` #` comment and trailing blanks;
single-quoted values are literal (only \\' is unescaped); double-quoted values may span
lines, know \\n \\t \\" \\\\ \\$ and friends, and are interpolated like unquoted ones. A key alone
on a line takes its value from the process environment, if set there.

Interpolation inside a value looks first in the process environment, then in files read
before, then in earlier lines of the same file (compose-go's order). Errors name the file
and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from composer.config.interpolate import TemplateError, missing_warning, substitute
from composer.errors import ComposeError, Location, Problem

_BLANK = "\t\v\f\r \x85\xa0"  # spaces that are not line breaks
_EXPORT = re.compile(r"export[ \t]+")
_ESCAPE = re.compile(r"\\(?:[abfnrtv$\"\\]|0[0-7]{0,3})")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}
MAX_ENV_FILE_BYTES = 4 * 1024 * 1024

Lookup = Callable[[str], "str | None"]


class _DotenvError(Exception):
    def __init__(self, position: int, message: str, hint: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message
        self.hint = hint


def _is_key_char(char: str) -> bool:
    return char.isalnum() or char in "_.-[]"


class _Parser:
    def __init__(self, text: str, lookup: Lookup, warnings: list[str]) -> None:
        self.text = text
        self.lookup = lookup
        self.warnings = warnings
        self.values: dict[str, str] = {}

    def parse(self) -> dict[str, str]:
        position = self._statement_start(0)
        while position < len(self.text):
            position = self._statement_start(self._statement(position))
        return self.values

    def _statement_start(self, position: int) -> int:
        """Skip blanks, blank lines and comment lines."""
        text = self.text
        while position < len(text):
            if text[position].isspace():
                position += 1
            elif text[position] == "#":
                end = text.find("\n", position)
                position = len(text) if end < 0 else end
            else:
                break
        return position

    def _statement(self, start: int) -> int:
        text = self.text
        export = _EXPORT.match(text, start)
        position = export.end() if export else start
        key_start = position
        while position < len(text) and text[position] not in "=:\n":
            char = text[position]
            if char not in _BLANK and not _is_key_char(char):
                line = text[start:].split("\n", 1)[0]
                raise _DotenvError(start, f"unexpected character {char!r} in variable name {line!r}", "variable names may use letters, digits, _ . - [ ]")
            position += 1
        key = text[key_start:position].rstrip()
        if " " in key:
            raise _DotenvError(start, f"variable name {key!r} contains a space", "remove the space or quote the value after =")
        if position >= len(text) or text[position] == "\n":  # a bare KEY: inherited
            inherited = self.lookup(key)
            if inherited is not None and key:
                self.values[key] = inherited
            return position + 1
        position += 1
        while position < len(text) and text[position] in _BLANK:
            position += 1
        value, position = self._value(position)
        if key:  # compose-go keeps "=value" under an empty name; nothing can use it
            self.values[key] = value
        return position

    def _value(self, start: int) -> tuple[str, int]:
        text = self.text
        quote = text[start] if start < len(text) and text[start] in "'\"" else ""
        if not quote:
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            raw = text[start:end].split(" #", 1)[0].rstrip()
            return self._expand(raw, start), end
        chars: list[str] = []
        position = start + 1
        while position < len(text):
            char = text[position]
            if char == "\\" and position + 1 < len(text):
                escaped = text[position + 1]
                chars.append(escaped if escaped == quote else "\\" + escaped)
                position += 2
                continue
            if char == quote:
                raw = "".join(chars)
                return (self._expand(_unescape(raw), start) if quote == '"' else raw), position + 1
            chars.append(char)
            position += 1
        first_line = text[start:].split("\n", 1)[0]
        raise _DotenvError(start, f"unterminated quoted value {first_line}", f"close the {quote} quote")

    def _expand(self, raw: str, position: int) -> str:
        def lookup(name: str) -> str | None:
            found = self.lookup(name)
            return found if found is not None else self.values.get(name)

        def note_missing(name: str) -> None:
            line = missing_warning(name)
            if line not in self.warnings:
                self.warnings.append(line)

        try:
            return substitute(raw, lookup, note_missing)
        except TemplateError as exc:
            raise _DotenvError(position, exc.message, exc.hint) from None


def _unescape(raw: str) -> str:
    """Backslash escapes of double-quoted values; `\\$` stays an escaped `$$`."""

    def replace(match: re.Match[str]) -> str:
        body = match.group()[1:]
        if body == "$":
            return "$$"
        if body.startswith("0"):
            digits = body[1:]
            return chr(int(digits, 8)) if len(digits) == 3 and int(digits, 8) < 256 else match.group()
        return _SIMPLE_ESCAPES[body]

    return _ESCAPE.sub(replace, raw)


def parse_env_text(text: str, label: str, lookup: Lookup, warnings: list[str]) -> dict[str, str]:
    """Parse dotenv text. Raises ComposeError at label:line."""
    text = text.removeprefix("\ufeff")
    try:
        return _Parser(text, lookup, warnings).parse()
    except _DotenvError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ComposeError(Problem(Location(label, line), exc.message, exc.hint)) from None


def read_env_files(paths: list[str], environment: dict[str, str], warnings: list[str], label_of: Callable[[str], str] = str) -> dict[str, str]:
    """Values of the files in order (later wins), interpolated as Compose does.

    `environment` (the process environment) is only looked up, never returned.
    """
    values: dict[str, str] = {}
    for path in paths:
        label = label_of(path)
        if os.path.isdir(path):
            raise ComposeError(Problem(Location(label), "env file is a directory", "pass a file to --env-file"))
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_ENV_FILE_BYTES + 1)
        except OSError as exc:
            raise ComposeError(Problem(Location(label), f"cannot read env file: {exc.strerror}", "check the path")) from None
        if len(data) > MAX_ENV_FILE_BYTES:
            raise ComposeError(Problem(Location(label), f"env file is over {MAX_ENV_FILE_BYTES} bytes", "check it is a .env file"))

        def lookup(name: str) -> str | None:
            found = environment.get(name)
            return found if found is not None else values.get(name)

        values.update(parse_env_text(data.decode("utf-8", errors="replace"), label, lookup, warnings))
    return values
