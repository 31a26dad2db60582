"""json-file lines byte for byte as moby writes them, and parsed back."""

from __future__ import annotations

import codecs
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.logs.jsonline import JsonCodec, escape, fixed_time, format_time, parse_time, unescape

# Go replaces each byte of invalid UTF-8 on its own; Python's "replace" would merge some.
codecs.register_error("test.go-replace", lambda err: ("\ufffd" * (err.end - err.start), err.end))

# What Go's ffjsonWriteJSONBytesAsString (moby jsonlog) writes for each input.
GO_ESCAPES = [
    (b"plain text 123", b"plain text 123"),
    (b'q"b\\s', b'q\\"b\\\\s'),
    (b"<a href='x'>&amp;</a>", b"\\u003ca href='x'\\u003e\\u0026amp;\\u003c/a\\u003e"),
    (b"tab\there\rcr", b"tab\\u0009here\\rcr"),
    (b"\x00\x01\x08\x0c\x1b\x1f\x7f", b"\\u0000\\u0001\\u0008\\u000c\\u001b\\u001f\x7f"),
    ("é日本🎉".encode(), "é日本🎉".encode()),
    (b"\xff", b"\\ufffd"),
    (b"a\xe2\x82b", b"a\\ufffd\\ufffdb"),  # truncated 3-byte sequence: one per byte, as Go
    (b"\xed\xa0\x80", b"\\ufffd\\ufffd\\ufffd"),  # an encoded surrogate is invalid
    (b"\xc0\xaf", b"\\ufffd\\ufffd"),  # overlong
    (b"\xf0\x9f\x8e", b"\\ufffd\\ufffd\\ufffd"),
    ("\ufffd".encode(), "\ufffd".encode()),  # a real U+FFFD passes as is
    ("x\u2028y\u2029z".encode(), b"x\\u2028y\\u2029z"),
    (b'\xff"', b'\\ufffd\\"'),
]


@pytest.mark.parametrize("raw, expected", GO_ESCAPES)
def test_escape_is_gos(raw, expected):
    assert escape(raw) == expected


def test_escape_keeps_line_separators():
    assert escape(b'a"\nb') == b'a\\"\nb'


def test_record_shape_is_dockers():
    line = JsonCodec().encode_lines(b"hello", "stdout", 1_795_341_600_123_456_789)
    assert line == b'{"log":"hello\\n","stream":"stdout","time":"2026-11-22T10:00:00.123456789Z"}\n'
    partial = JsonCodec().encode_partial(b"x", "stderr", 1_795_341_600_000_000_000)
    assert partial == b'{"log":"x","stream":"stderr","time":"2026-11-22T10:00:00Z"}\n'


@pytest.mark.parametrize(
    "ns, text",
    [
        (1_795_341_600_123_456_789, b"2026-11-22T10:00:00.123456789Z"),
        (1_795_341_600_120_000_000, b"2026-11-22T10:00:00.12Z"),
        (1_795_341_600_000_000_000, b"2026-11-22T10:00:00Z"),
        (1_795_341_600_000_000_001, b"2026-11-22T10:00:00.000000001Z"),
    ],
)
def test_time_is_go_rfc3339nano(ns, text):
    assert format_time(ns) == text
    assert parse_time(text) == ns
    assert fixed_time(ns) == text[:19] + b".%09dZ" % (ns % 10**9)


def test_parse_time_offsets_and_garbage():
    assert parse_time(b"2026-11-22T11:00:00.5+01:00") == 1_795_341_600_500_000_000
    assert parse_time(b"2026-11-22T10:00:00.1234567891Z") == 1_795_341_600_123_456_789
    for bad in (b"", b"yesterday", b"2026-13-45T10:00:00Z", b"2026-11-22 10:00:00Z"):
        assert parse_time(bad) is None


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.integers(min_value=0, max_value=4_102_444_800 * 10**9), st.booleans())
def test_records_parse_back(raw, ns, stderr):
    line_text = raw.replace(b"\n", b"")
    stream = "stderr" if stderr else "stdout"
    line = JsonCodec().encode_lines(line_text, stream, ns)[:-1]
    record = json.loads(line)  # valid JSON, with the keys in Docker's order
    assert list(record) == ["log", "stream", "time"]
    assert record["log"] == line_text.decode("utf-8", "test.go-replace") + "\n"
    time_ns, got_stream, text, partial = JsonCodec().decode(line)
    assert (time_ns, got_stream, partial) == (ns, stream, False)
    assert text == record["log"][:-1].encode()


@pytest.mark.parametrize(
    "body, expected",
    [(b"abc\\n", (b"abc", False)), (b"abc", (b"abc", True)), (b"a\\\\n", (b"a\\n", True)),
     (b"a\\\\\\n", (b"a\\", False)), (b'q\\"\\u003c\\n', (b'q"<', False)), (b"bad\\x", (None, False))],
)
def test_unescape(body, expected):
    assert unescape(body) == expected


def test_decode_other_shapes():
    codec = JsonCodec()
    with_attrs = b'{"log":"hi\\n","stream":"stderr","attrs":{"tag":"x"},"time":"2026-11-22T10:00:00Z"}'
    assert codec.decode(with_attrs) == (1_795_341_600 * 10**9, "stderr", b"hi", False)
    reordered = b'{"time":"2026-11-22T10:00:00Z","stream":"stdout","log":"x"}'
    assert codec.decode(reordered) == (1_795_341_600 * 10**9, "stdout", b"x", True)
    for junk in (b"", b"not json", b'{"log":"torn', b"[1,2]", b'{"log":5}'):
        assert codec.decode(junk) is None
