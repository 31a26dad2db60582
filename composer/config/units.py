"""Durations and byte sizes: the one place their Compose spellings are parsed and printed.

Durations are int nanoseconds, written as Go writes them (`1m30s`, `500ms`, `1.5s`,
`1h0m0s`; `d` is accepted for days as compose-go does). Sizes are int bytes, written as
Docker's RAMInBytes reads them: a number with an optional binary unit (`512m`, `1.5gb`,
`10 KB`, `1GiB`, `1024`). Errors are UnitError: a one-line reason the caller puts at a key path.
"""

from __future__ import annotations

import re

_NS_PER_UNIT = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # micro sign
    "μs": 1_000,  # greek mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
    "d": 24 * 3600 * 1_000_000_000,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")
_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$", re.IGNORECASE)
_BYTES_PER_UNIT = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_SECOND = 1_000_000_000


class UnitError(ValueError):
    """A value that is not a duration or size; the message is one line, without location."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def parse_duration(value: object) -> int:
    """'1m30s' → 90_000_000_000 (nanoseconds). Raises UnitError."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise UnitError(f"{value!r} is not a duration", "write it as a string with a unit, like 30s, 1m30s or 500ms")
    text = value.strip()
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if body == "0":
        return 0
    exact, position = 0, 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            break
        number, unit = match.groups()
        exact += _scaled(number, _NS_PER_UNIT[unit])
        position = match.end()
    if not body or position != len(body):
        raise UnitError(f"{value!r} is not a duration", "use a number with a unit: ns, us, ms, s, m, h, d (like 1m30s)")
    if sign < 0:
        raise UnitError(f"{value!r} is a negative duration", "use a duration of 0s or more")
    return exact


def _scaled(number: str, unit: int) -> int:
    """An exact `number × unit` for a decimal string, truncated to an integer, as Go does."""
    whole, _, fraction = number.partition(".")
    result = int(whole or "0") * unit
    if fraction:
        result += int(fraction) * unit // 10 ** len(fraction)
    return result


def format_duration(nanoseconds: int) -> str:
    """90_000_000_000 → '1m30s', exactly as Go's time.Duration.String()."""
    if nanoseconds == 0:
        return "0s"
    sign = "-" if nanoseconds < 0 else ""
    value = abs(nanoseconds)
    if value < 1_000:
        return f"{sign}{value}ns"
    if value < 1_000_000:
        return f"{sign}{_decimal(value, 1_000)}µs"
    if value < _SECOND:
        return f"{sign}{_decimal(value, 1_000_000)}ms"
    hours, rest = divmod(value, 3600 * _SECOND)
    minutes, rest = divmod(rest, 60 * _SECOND)
    text = f"{hours}h" if hours else ""
    if hours or minutes:
        text += f"{minutes}m"
    return f"{sign}{text}{_decimal(rest, _SECOND)}s"


def _decimal(value: int, unit: int) -> str:
    """value/unit in decimal, trailing zeros of the fraction dropped."""
    whole, fraction = divmod(value, unit)
    if not fraction:
        return str(whole)
    digits = len(str(unit)) - 1
    return f"{whole}.{str(fraction).rjust(digits, '0').rstrip('0')}"


def seconds(nanoseconds: int) -> float:
    return nanoseconds / _SECOND


def parse_size(value: object, allow_unlimited: bool = False) -> int:
    """'512m' → 536870912 bytes (binary units, like Docker). -1 only when `allow_unlimited`."""
    if isinstance(value, bool):
        raise UnitError(f"{value!r} is not a size", "write a number of bytes or a size like 512m or 1g")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value >= 0 or (allow_unlimited and value == -1):
            return value
        raise UnitError(f"{value} is a negative size", "use 0 or more bytes" + (", or -1 for unlimited" if allow_unlimited else ""))
    if not isinstance(value, str):
        raise UnitError(f"{value!r} is not a size", "write a number of bytes or a size like 512m or 1g")
    if allow_unlimited and value.strip() == "-1":
        return -1
    match = _SIZE.match(value.strip())
    if match is None:
        raise UnitError(f"{value!r} is not a size", "use a number with an optional unit b, k, m, g, t, p (like 512m or 1.5g)")
    number, unit = match.groups()
    return _scaled(number, _BYTES_PER_UNIT[unit.lower() if unit else None])
