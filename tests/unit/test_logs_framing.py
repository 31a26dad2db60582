"""Bytes → records: whole lines, 16 KiB partials like Docker's copier, held remainders."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.logs.codec import RawCodec
from composer.logs.framing import LINE_LIMIT, LineFramer
from composer.logs.jsonline import JsonCodec

T = 1_795_341_600_000_000_000


def records(chunks: list[tuple[str, bytes]], flush: bool = True) -> list[tuple[str, bytes, bool]]:
    """(stream, text, partial) of every record framed from the chunks."""
    framer = LineFramer(JsonCodec())
    encoded = b"".join(b"".join(framer.feed(stream, data, T)) for stream, data in chunks)
    if flush:
        encoded += b"".join(framer.flush(T))
    out = []
    for line in encoded.split(b"\n")[:-1]:
        _, stream, text, partial = JsonCodec().decode(line)
        out.append((stream, text, partial))
    return out


def test_lines_and_held_remainder():
    assert records([("stdout", b"a\nb\nc")], flush=False) == [("stdout", b"a", False), ("stdout", b"b", False)]
    everything = [("stdout", b"a", False), ("stdout", b"b", False), ("stdout", b"c", True)]
    assert records([("stdout", b"a\nb\nc")]) == everything


def test_streams_are_held_apart():
    got = records([("stdout", b"out-"), ("stderr", b"err-"), ("stderr", b"line\n"), ("stdout", b"line\n")])
    assert got == [("stderr", b"err-line", False), ("stdout", b"out-line", False)]


def test_empty_lines_are_records():
    assert records([("stdout", b"\n\n")]) == [("stdout", b"", False), ("stdout", b"", False)]


def test_long_line_is_cut_at_16k_like_docker():
    line = bytes(range(97, 123)) * 2000  # 52,000 bytes
    got = records([("stdout", line + b"\nnext\n")])
    assert [len(text) for _, text, _ in got] == [LINE_LIMIT, LINE_LIMIT, LINE_LIMIT, 52_000 - 3 * LINE_LIMIT, 4]
    assert [partial for _, _, partial in got] == [True, True, True, False, False]
    assert b"".join(text for _, text, _ in got[:4]) == line


def test_line_of_exactly_16k_ends_with_an_empty_record():
    got = records([("stdout", b"x" * LINE_LIMIT + b"\n")])
    assert got == [("stdout", b"x" * LINE_LIMIT, True), ("stdout", b"", False)]


def test_unterminated_output_is_cut_while_it_comes():
    framer = LineFramer(RawCodec())
    out = b"".join(b"".join(framer.feed("stdout", b"y" * 10_000, T)) for _ in range(5))
    assert out == b"y" * 3 * LINE_LIMIT  # 50,000 bytes in: three whole pieces out, 848 held
    assert b"".join(framer.flush(T)) == b"y" * (50_000 - 3 * LINE_LIMIT)


def test_raw_codec_keeps_bytes_exactly():
    framer = LineFramer(RawCodec())
    data = b"a\r\n\xff\x00b\nc"
    assert b"".join(framer.feed("stdout", data, T)) + b"".join(framer.flush(T)) == data


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=40_000).map(lambda b: b.replace(b"\x00", b"\n")), max_size=6))
def test_raw_output_is_the_input_in_any_chunking(chunks):
    framer = LineFramer(RawCodec())
    out = b"".join(b"".join(framer.feed("stdout", chunk, T)) for chunk in chunks) + b"".join(framer.flush(T))
    assert out == b"".join(chunks)


@settings(suppress_health_check=[HealthCheck.too_slow], max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([b"a", b"\n", b"bb\n", b"z" * 20_000, b"\xff<\t"]), max_size=12))
def test_json_records_join_back_to_the_input(chunks):
    got = records([("stdout", chunk) for chunk in chunks])
    fffd = "\ufffd".encode()
    assert all(len(text.replace(fffd, b"?")) <= LINE_LIMIT for _, text, _ in got)  # a limit on input bytes
    rebuilt = b"".join(text + (b"" if partial else b"\n") for _, text, partial in got)
    assert rebuilt == b"".join(chunks).replace(b"\xff", fffd)
