"""`events --since/--until` values, read as Docker reads them (its GetTimestamp):
a Go duration before now ("10m", "1h30m", "-5s" is 5 s ahead), a Unix time in seconds
("1700000000", "1700000000.5"), or an RFC 3339 date/time ("2026-12-07", "2026-12-07T21:45",
"2026-12-07T21:45:00.5Z", "…+01:00"; without a zone it is local time, as Docker's)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from composer.errors import ComposerError

_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_GO_DURATION = re.compile(r"([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)")
_GO_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIX = re.compile(r"\d+(\.\d{1,9})?")


def go_duration(value: str) -> timedelta | None:
    """Go's time.ParseDuration, or None if value is not one ("0" is Unix time 0 for Docker)."""
    match = _GO_DURATION.fullmatch(value)
    if not match:
        return None
    seconds = sum(float(number) * _GO_UNITS[unit] for number, unit in _GO_PART.findall(match.group(2)))
    return timedelta(seconds=-seconds if match.group(1) == "-" else seconds)


def parse_event_time(value: str, now: datetime) -> datetime:
    """The moment value names (timezone-aware); `now` (aware) anchors durations."""
    value = value.strip()
    duration = go_duration(value)
    if duration is not None:
        return now - duration
    if _UNIX.fullmatch(value):
        return datetime.fromtimestamp(float(value), timezone.utc)
    try:
        moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise ComposerError(f'failed to parse value as time or duration: "{value}"',
                            "e.g. 10m, 1h30m, 1700000000 or 2026-12-07T21:45:00Z") from None
    return moment if moment.tzinfo is not None else moment.astimezone()  # no zone: local time
