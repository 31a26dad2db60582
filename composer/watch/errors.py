"""WatchError: what `compose watch` refuses, one line per problem."""

from __future__ import annotations

from composer.errors import ComposerError


class WatchError(ComposerError):
    """A watch rule or its service cannot be watched; may carry several problems."""

    def __init__(self, message: str, hint: str = "", more: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint)
        self.more = more  # further problems, already one line each

    def lines(self) -> list[str]:
        return [self.one_line(), *self.more]

    @classmethod
    def of(cls, problems: list[str]) -> WatchError:
        return cls(problems[0], more=tuple(problems[1:]))
