"""Docker's json-file lines, byte for byte: written by the writer, parsed by the readers.

    {"log":"text\\n","stream":"stdout","time":"2026-11-22T10:00:00.123456789Z"}

Escaping is moby's jsonlog (Go): \\" \\\\ \\n \\r; other control bytes and < > & as \\u00XX;
U+2028 and U+2029 as \\u2028 and \\u2029; each byte of invalid UTF-8 as the six characters
\\ufffd. The time is Go's RFC3339Nano in UTC, so trailing zeros of the fraction are dropped
(…:00.1234Z, …:00Z). A record whose log does not end in "\\n" is partial: a 16 KiB piece
of a longer line, or output that ended without a newline.

Encoding works on a whole block of lines at a time (bytes.replace and friends), never a
Python loop per line: that is what keeps the writer at hundreds of MB/s.
"""

from __future__ import annotations

import codecs
import re
import time

HEAD = b'{"log":"'
_STREAM_KEY = b'","stream":"'
_TIME_KEY = b'","time":"'
_STREAMS = {b"stdout": "stdout", b"stderr": "stderr"}

# Bytes that need no escaping; "\n" too, because it separates the lines of a block.
_SAFE = bytes(b for b in range(0x20, 0x80) if b not in b'"\\<>&') + b"\n"
_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f]")
_TIME = re.compile(
    rb"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9})\d*)?(?:([Zz])|([+-])(\d\d):(\d\d))$"
)

Decoded = tuple[int, str, bytes, bool]  # time_ns, stream, text without "\n", partial

codecs.register_error("composer.logs.fffd", lambda err: ("\\ufffd" * (err.end - err.start), err.end))


def escape(body: bytes) -> bytes:
    """The JSON string body Go would write for `body`; its "\\n" bytes are left as they are."""
    if not body.translate(None, _SAFE):
        return body
    if b"\\" in body:
        body = body.replace(b"\\", b"\\\\")
    if b'"' in body:
        body = body.replace(b'"', b'\\"')
    for char, code in ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026")):
        if char in body:
            body = body.replace(char, code)
    if _CONTROL.search(body):
        body = _CONTROL.sub(_escape_control, body)
    if not body.isascii():
        body = _escape_non_ascii(body)
    return body


def _escape_control(match: re.Match[bytes]) -> bytes:
    code = match.group()[0]
    return b"\\r" if code == 13 else b"\\u%04x" % code


def _escape_non_ascii(body: bytes) -> bytes:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # ASCII bytes are already escaped, so the \ufffd text the handler inserts stays as is.
        body = body.decode("utf-8", "composer.logs.fffd").encode("utf-8")
    return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")


_second_text: dict[int, bytes] = {}


def _second(sec: int) -> bytes:
    text = _second_text.get(sec)
    if text is None:
        if len(_second_text) > 4096:
            _second_text.clear()
        text = _second_text[sec] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)).encode()
    return text


def format_time(time_ns: int) -> bytes:
    """Go's RFC3339Nano in UTC, as json-file writes it."""
    sec, frac = divmod(time_ns, 1_000_000_000)
    if not frac:
        return _second(sec) + b"Z"
    return _second(sec) + b"." + (b"%09d" % frac).rstrip(b"0") + b"Z"


def fixed_time(time_ns: int) -> bytes:
    """RFC3339 with all nine digits, as `docker logs --timestamps` prints it."""
    sec, frac = divmod(time_ns, 1_000_000_000)
    return _second(sec) + b".%09dZ" % frac


_second_value: dict[bytes, int] = {}


def parse_time(text: bytes) -> int | None:
    """RFC3339 (any fraction length, Z or an offset) → ns since the epoch; None if it is not one."""
    sec = _second_value.get(text[:19])
    if sec is not None and text[-1:] == b"Z":
        fraction = text[20:-1]
        if len(text) == 20:
            return sec * 1_000_000_000
        if text[19:20] == b"." and 0 < len(fraction) <= 9 and fraction.isdigit():
            return sec * 1_000_000_000 + int(fraction.ljust(9, b"0"))
    return _parse_time_slow(text)


def _parse_time_slow(text: bytes) -> int | None:
    match = _TIME.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and second < 61):
        return None
    sec = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    if match.group(8):
        if len(_second_value) > 4096:
            _second_value.clear()
        _second_value[text[:19]] = sec
    else:
        offset = int(match.group(10)) * 3600 + int(match.group(11)) * 60
        sec += -offset if match.group(9) == b"+" else offset
    return sec * 1_000_000_000 + int((match.group(7) or b"0").ljust(9, b"0"))


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm);
    calendar.timegm would pull calendar, datetime and locale into the supervisor."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _json():  # type: ignore[no-untyped-def]
    """json, imported when first needed: only readers parse, and the supervisor only writes."""
    import json

    return json


class JsonCodec:
    """json-file: one Docker JSON object per record."""

    name = "json-file"
    keeps_time = True
    terminated = True

    def encode_lines(self, body: bytes, stream: str, time_ns: int) -> bytes:
        """Records for the lines of `body` (joined by "\\n", each shorter than 16 KiB)."""
        tail = b'\\n","stream":"' + stream.encode() + b'","time":"' + format_time(time_ns) + b'"}\n'
        return b"".join((HEAD, escape(body).replace(b"\n", tail + HEAD), tail))

    def encode_partial(self, piece: bytes, stream: str, time_ns: int) -> bytes:
        """One record for a piece of a line: no "\\n" at the end of its log."""
        return HEAD + escape(piece) + _STREAM_KEY + stream.encode() + _TIME_KEY + format_time(time_ns) + b'"}\n'

    def decode(self, line: bytes) -> Decoded | None:
        """One line of the file (without its "\\n"); None when it is not a json-file record."""
        if line.startswith(HEAD) and line.endswith(b'"}'):
            end = line.find(_STREAM_KEY, 8)  # the log string cannot hold an unescaped quote
            mid = line.find(_TIME_KEY, end + 12) if end > 0 else -1
            stream = _STREAMS.get(line[end + 12 : mid]) if mid > 0 else None
            if stream is not None:
                time_ns = parse_time(line[mid + 10 : -2])
                text, partial = unescape(line[8:end])
                if time_ns is not None and text is not None:
                    return time_ns, stream, text, partial
        return _decode_slow(line)


def unescape(body: bytes) -> tuple[bytes | None, bool]:
    """JSON string body → (text without its final "\\n", partial); (None, False) if invalid."""
    backslash = body.find(b"\\")
    if backslash < 0:
        return body, True
    if backslash == len(body) - 2 and body[-1:] == b"n":
        return body[:-2], False
    try:
        text = _json().loads(b'"' + body + b'"')
    except ValueError:
        return None, False
    partial = not text.endswith("\n")
    return (text if partial else text[:-1]).encode("utf-8", "replace"), partial


def _decode_slow(line: bytes) -> Decoded | None:
    """Any other valid record: keys in another order, `attrs`, an offset in the time."""
    try:
        record = _json().loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not isinstance(record.get("log"), str):
        return None
    text = record["log"]
    stamp = record.get("time")
    time_ns = parse_time(stamp.encode()) if isinstance(stamp, str) else None
    stream = record.get("stream") if record.get("stream") in ("stdout", "stderr") else "stdout"
    partial = not text.endswith("\n")
    return time_ns or 0, stream, (text if partial else text[:-1]).encode("utf-8", "replace"), partial
