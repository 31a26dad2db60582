"""events --since/--until values as Docker reads them."""

from datetime import datetime, timedelta, timezone

import pytest

from composer.cli.event_times import go_duration, parse_event_time
from composer.errors import ComposerError

NOW = datetime(2026, 12, 7, 21, 45, tzinfo=timezone.utc)


@pytest.mark.parametrize("value, seconds", [
    ("10m", 600), ("1h30m", 5400), ("1.5h", 5400), ("300ms", 0.3), ("2h45m30.5s", 9930.5), ("-5s", -5), ("1us", 1e-6),
])
def test_go_durations(value, seconds):
    assert go_duration(value).total_seconds() == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["0", "10", "1h x", "h", "10d", ""])
def test_not_go_durations(value):
    assert go_duration(value) is None


def test_durations_count_back_from_now():
    assert parse_event_time("10m", NOW) == NOW - timedelta(minutes=10)
    assert parse_event_time("-1h", NOW) == NOW + timedelta(hours=1)


def test_unix_times():
    assert parse_event_time("0", NOW) == datetime(1970, 1, 1, tzinfo=timezone.utc)
    assert parse_event_time("1700000000.5", NOW).timestamp() == 1700000000.5


@pytest.mark.parametrize("value, expected", [
    ("2026-12-07T21:45:00Z", NOW), ("2026-12-07T22:45:00+01:00", NOW), ("2026-12-07T21:45:00.000Z", NOW),
    ("2026-12-07T21:45Z", NOW), ("2026-12-07t21:45:00z", NOW),
])
def test_rfc3339(value, expected):
    assert parse_event_time(value, NOW) == expected


def test_no_zone_is_local_time():
    assert parse_event_time("2026-12-07", NOW) == datetime(2026, 12, 7).astimezone()


@pytest.mark.parametrize("value", ["yesterday", "10d", "2026-13-01", "1h x"])
def test_bad_values_are_one_line(value):
    with pytest.raises(ComposerError, match=f'failed to parse value as time or duration: "{value}"'):
        parse_event_time(value, NOW)
