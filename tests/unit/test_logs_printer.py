"""The bulk printer path gives exactly what decoding line by line gives, for any block."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.logs.codec import RawCodec
from composer.logs.jsonline import JsonCodec
from composer.logs.printer import LineFormatter, _json_block

CODEC = JsonCodec()
T = 1_795_341_600_123_456_789
PREFIX = "web-1  | "


def line_by_line(block: bytes, prefix: str = PREFIX, color: str | None = "36", timestamps: bool = False) -> bytes:
    return LineFormatter(prefix, color, timestamps)._per_line(block, CODEC)


def bulk(block: bytes, prefix: str = PREFIX, color: str | None = "36", timestamps: bool = False) -> bytes:
    return LineFormatter(prefix, color, timestamps).block(block, CODEC)


def test_plain_block_takes_the_fast_path():
    block = b"".join(CODEC.encode_lines(b"line %d" % i, "stdout", T + i * 10) for i in range(100))
    colored = b"\x1b[36m" + PREFIX.encode() + b"\x1b[0m"
    expected = b"".join(colored + b"line %d\n" % i for i in range(100))
    assert _json_block(block, colored, False) == expected
    assert bulk(block) == expected


def test_escapes_are_undone_in_bulk():
    block = CODEC.encode_lines(b'say "hi" <b>\tC:\\dir\\n\r\nsecond', "stderr", T)
    assert _json_block(block, b"> ", False) == b'> say "hi" <b>\tC:\\dir\\n\r\n> second\n'


def test_timestamps_are_fixed_width_like_docker_logs_t():
    block = CODEC.encode_lines(b"a\nb", "stdout", 1_795_341_600_120_000_000) + CODEC.encode_lines(b"c", "stdout", T)
    assert bulk(block, "", None, True) == (
        b"2026-11-22T10:00:00.120000000Z a\n2026-11-22T10:00:00.120000000Z b\n2026-11-22T10:00:00.123456789Z c\n"
    )


def test_partial_records_continue_the_line_without_a_prefix():
    block = CODEC.encode_partial(b"x" * 5, "stdout", T) + CODEC.encode_lines(b"yy", "stdout", T)
    assert bulk(block, "p| ", None) == b"p| xxxxxyy\n"
    formatter = LineFormatter("p| ")
    assert formatter.block(CODEC.encode_partial(b"open", "stdout", T), CODEC) == b"p| open"
    assert formatter.end() == b"\n"


def test_raw_file_blocks_get_prefixes():
    assert LineFormatter("p| ").block(b"one\ntwo\n", RawCodec()) == b"p| one\np| two\n"
    assert LineFormatter("p| ", timestamps=True).block(b"one\n", RawCodec()) == b"p| one\n"


TEXTS = st.lists(st.sampled_from([b"a", b"n", b"\\", b'"', b"<", b"\t", b"\xff", "é".encode(), b"\\n"]), max_size=8)
FOREIGN = [
    b'{"log":"attrs\\n","stream":"stdout","attrs":{"tag":"x"},"time":"2026-11-22T10:00:00Z"}\n',
    b'{"time":"2026-11-22T10:00:00Z","log":"reordered\\n","stream":"stderr"}\n',
    b'{"log":"torn\n',
    b"not json at all\n",
    b'{"log":"no time\\n"}\n',
    b'{"log":"no time either\\n","stream":"stdout"}\n',
    b'{"log":"old docker\\n","stream":"stdout","time":"2026-11-22T10:00:00.5+01:00"}\n',
]


@st.composite
def blocks(draw) -> bytes:
    out = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(FOREIGN)))
            continue
        text = b"".join(draw(TEXTS))
        stream = draw(st.sampled_from(["stdout", "stderr"]))
        when = T - draw(st.sampled_from([0, 9, 456_789, 123_456_789]))
        encode = CODEC.encode_partial if draw(st.booleans()) and text else CODEC.encode_lines
        out.append(encode(text, stream, when))
    return b"".join(out)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=500, deadline=None)
@given(blocks(), st.sampled_from(["", PREFIX, 'odd"\\prefix ']), st.booleans())
def test_bulk_equals_line_by_line(block, prefix, timestamps):
    assert bulk(block, prefix, None, timestamps) == line_by_line(block, prefix, None, timestamps)
