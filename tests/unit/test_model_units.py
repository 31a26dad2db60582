"""Durations and sizes: Compose's spellings in, Go's spellings out, one-line errors."""

import pytest

from composer.config.units import UnitError, format_duration, parse_duration, parse_size, seconds

S = 1_000_000_000


@pytest.mark.parametrize(
    "text, nanoseconds",
    [
        ("0", 0),
        ("0s", 0),
        ("1m30s", 90 * S),
        ("500ms", S // 2),
        ("1h", 3600 * S),
        ("1.5s", 3 * S // 2),
        (".5s", S // 2),
        ("2us", 2_000),
        ("2µs", 2_000),
        ("7ns", 7),
        ("1d", 86400 * S),
        ("1h30m", 5400 * S),
        ("1h0m0.25s", 3600 * S + S // 4),
        ("0.1s", S // 10),
        (" 10s ", 10 * S),
    ],
    ids=lambda v: repr(v),
)
def test_parse_duration(text, nanoseconds):
    assert parse_duration(text) == nanoseconds


@pytest.mark.parametrize(
    "nanoseconds, text",
    [(0, "0s"), (90 * S, "1m30s"), (S // 2, "500ms"), (3600 * S, "1h0m0s"), (3 * S // 2, "1.5s"),
     (2_000, "2µs"), (1_500, "1.5µs"), (7, "7ns"), (60 * S, "1m0s"), (86400 * S, "24h0m0s"), (-S, "-1s"),
     (5400 * S + 1, "1h30m0.000000001s")],
    ids=lambda v: repr(v),
)  # fmt: skip
def test_format_duration_is_gos(nanoseconds, text):
    assert format_duration(nanoseconds) == text


@pytest.mark.parametrize("text", ["1m30s", "500ms", "1.5s", "2µs", "24h0m0s", "0s", "1h0m0.25s"])
def test_duration_round_trips(text):
    assert format_duration(parse_duration(text)) == text


@pytest.mark.parametrize(
    "value, message",
    [
        ("30", "'30' is not a duration"),
        ("1m 30s", "'1m 30s' is not a duration"),
        ("10 s", "'10 s' is not a duration"),
        ("1x", "'1x' is not a duration"),
        ("", "'' is not a duration"),
        ("s", "'s' is not a duration"),
        ("-1s", "'-1s' is a negative duration"),
        (30, "30 is not a duration"),
        (True, "True is not a duration"),
        (None, "None is not a duration"),
    ],
    ids=repr,
)
def test_bad_durations(value, message):
    with pytest.raises(UnitError) as caught:
        parse_duration(value)
    assert caught.value.message == message
    assert "\n" not in str(caught.value) and caught.value.hint


@pytest.mark.parametrize(
    "value, size",
    [("512m", 512 << 20), ("1g", 1 << 30), ("1.5gb", 3 << 29), (1024, 1024), ("1024", 1024), ("10k", 10240),
     ("10 KB", 10240), ("1GiB", 1 << 30), ("1T", 1 << 40), ("1p", 1 << 50), ("0", 0), (2.0, 2), ("128M", 128 << 20)],
    ids=repr,
)  # fmt: skip
def test_parse_size(value, size):
    assert parse_size(value) == size


def test_minus_one_is_unlimited_only_where_allowed():
    assert parse_size(-1, allow_unlimited=True) == -1
    assert parse_size("-1", allow_unlimited=True) == -1
    with pytest.raises(UnitError, match="-1 is a negative size"):
        parse_size(-1)


@pytest.mark.parametrize(
    "value, message",
    [("1.5.5m", "'1.5.5m' is not a size"), ("10x", "'10x' is not a size"), ("m", "'m' is not a size"),
     (1.5, "1.5 is not a size"), (True, "True is not a size"), ([], "[] is not a size"), (-5, "-5 is a negative size")],
    ids=repr,
)  # fmt: skip
def test_bad_sizes(value, message):
    with pytest.raises(UnitError) as caught:
        parse_size(value)
    assert caught.value.message == message


def test_seconds():
    assert seconds(1_500_000_000) == 1.5
