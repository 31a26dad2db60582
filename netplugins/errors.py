"""netplugins' own errors: one base a caller can catch, each a one-line message and a hint.

netplugins is a library of its own and imports nothing of composer; composer turns these
into its NetworkError where it calls in (composer.errors.from_netplugins).
"""

from __future__ import annotations


class NetworkError(Exception):
    """Base of every error netplugins raises on purpose. `hint` says what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message

    def lines(self) -> list[str]:
        return [self.one_line()]


def key_path(*parts: str | int) -> str:
    """('ambassadors', 0, 'name') -> 'ambassadors[0].name'."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
