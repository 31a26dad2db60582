"""Every error a user can see, and how it is told.

    ComposerError                 base: .one_line() is what the CLI prints, never a traceback
    ├── ComposeError              the compose files are wrong; carries *all* Problems found
    │   └── DependencyError       a cycle in the service graph
    ├── ImageError                an image cannot be found, pulled, loaded or unpacked
    ├── RuntimeFailure            runc, mounts or cgroups said no (names the container)
    ├── NetworkError              netlink, IPAM, ports (names the network or interface)
    └── StateError                the on-disk state is locked, missing or inconsistent

Errors are raised narrow and low; whoever knows the file, key path or service adds it.
Only composer/cli prints them and picks the exit status.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class Location:
    """Where in the compose files a problem is: file:line:column and the key path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    key_path: str = ""

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        where = ":".join(parts)
        return f"{where}: {self.key_path}" if self.key_path else where


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and what to do about it."""

    location: Location
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        return f"{text}; {self.hint}" if self.hint else text


class ComposerError(Exception):
    """Base of all user-facing errors. `hint` says what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def lines(self) -> list[str]:
        return [self.one_line()]


class ComposeError(ComposerError):
    """The compose files (or .env, or flags that act like them) are wrong.

    Carries every problem found in one pass, sorted by file and line.
    """

    def __init__(self, problems: list[Problem] | Problem) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = sorted(
            problems,
            key=lambda p: (p.location.file or "", p.location.line or 0, p.location.column or 0),
        )
        first = str(self.problems[0]) if self.problems else "invalid compose project"
        super().__init__(first)

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]

    def one_line(self) -> str:
        extra = len(self.problems) - 1
        return self.message + (f" (and {extra} more)" if extra > 0 else "")


class DependencyError(ComposeError):
    """A cycle, or a dependency that cannot be satisfied."""


class ImageError(ComposerError):
    pass


class RuntimeFailure(ComposerError):
    pass


class NetworkError(ComposerError):
    pass


class StateError(ComposerError):
    pass


Call = TypeVar("Call", bound=Callable)


def from_netplugins(call: Call) -> Call:
    """For a function that calls into netplugins (a library of its own, with its own errors):
    what it raises becomes composer's NetworkError, with the same message and hint."""
    # here, not at the top: supervisors import this module and import composer only
    from netplugins.errors import NetworkError as NetpluginsError

    @functools.wraps(call)
    def adapted(*args, **kwargs):
        try:
            return call(*args, **kwargs)
        except NetpluginsError as exc:
            raise NetworkError(exc.message, exc.hint) from exc

    return adapted  # type: ignore[return-value]


def key_path(*parts: str | int) -> str:
    """('services', 'web', 'ports', 1) -> 'services.web.ports[1]'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
