"""Reading a rotated series back: tail from the end, since/until, the fast printer."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

from composer.logs import LogConfig, LogTarget, open_reader, open_writer, write_logs
from composer.logs.jsonline import JsonCodec

T0 = 1_795_341_600_000_000_000
SECOND = 1_000_000_000


def target(directory: Path) -> LogTarget:
    return LogTarget("p", "web", "p-web-1", str(directory))


def write_series(directory: Path, config: LogConfig, count: int) -> None:
    writer = open_writer(config, target(directory))
    for start in range(0, count, 500):
        writer.write("stdout", b"".join(b"line %06d\n" % i for i in range(start, min(start + 500, count))))
    writer.close()


def write_timed(path: Path, times: list[int]) -> None:
    """Records with chosen times, as json-file writes them."""
    codec = JsonCodec()
    path.write_bytes(b"".join(codec.encode_lines(b"at %d" % i, "stdout", when) for i, when in enumerate(times)))


def test_tail_reads_only_the_end_of_a_big_series(tmp_path):
    config = LogConfig("json-file", {"max-size": "1m", "max-file": "5"})
    write_series(tmp_path, config, 60_000)
    total = sum(f.stat().st_size for f in tmp_path.iterdir())
    assert len(os.listdir(tmp_path)) == 5 and total > 4_000_000
    reader = open_reader(config, target(tmp_path))
    texts = [r.text for r in reader.read(tail=10)]
    assert texts == [f"line {i:06d}" for i in range(59_990, 60_000)]
    assert reader.bytes_read < 300_000  # a few blocks, not megabytes


def test_tail_reaching_into_older_files(tmp_path):
    config = LogConfig("json-file", {"max-size": "50k", "max-file": "4"})
    write_series(tmp_path, config, 5_000)
    reader = open_reader(config, target(tmp_path))
    everything = [r.text for r in reader.read()]
    for tail in (1, 700, 1_500, len(everything) - 1, len(everything), len(everything) + 10):
        assert [r.text for r in reader.read(tail=tail)] == everything[-tail:]
    assert list(reader.read(tail=0)) == []


def test_tail_through_gz_files(tmp_path):
    config = LogConfig("json-file", {"max-size": "40k", "max-file": "4", "compress": "true"})
    write_series(tmp_path, config, 5_000)
    assert sum(name.endswith(".gz") for name in os.listdir(tmp_path)) == 3
    reader = open_reader(config, target(tmp_path))
    everything = [r.text for r in reader.read()]
    for tail in (3, 1_000, 2_500, len(everything)):
        assert [r.text for r in reader.read(tail=tail)] == everything[-tail:]
    out = io.BytesIO()
    write_logs(out, reader, prefix="w| ", tail=2_500)
    assert out.getvalue() == b"".join(b"w| " + t.encode() + b"\n" for t in everything[-2_500:])


def test_since_and_until(tmp_path):
    path = tmp_path / "p-web-1.log"
    for index, part in enumerate([range(0, 10), range(10, 20)]):  # an older rotated file and the live one
        write_timed(Path(f"{path}.1") if index == 0 else path, [T0 + i * SECOND for i in part])
    reader = open_reader(LogConfig("json-file", {"max-size": "1m", "max-file": "2"}), target(tmp_path))
    since = [r.text for r in reader.read(since_ns=T0 + 15 * SECOND)]
    assert since == [f"at {i}" for i in range(5, 10)]  # the numbering restarts in the second file
    window = [r.time_ns for r in reader.read(since_ns=T0 + 8 * SECOND, until_ns=T0 + 12 * SECOND)]
    assert window == [T0 + i * SECOND for i in range(8, 13)]
    assert [r.time_ns for r in reader.read(tail=2, until_ns=T0 + 12 * SECOND)] == [T0 + 11 * SECOND, T0 + 12 * SECOND]
    assert list(reader.read(since_ns=T0 + 100 * SECOND)) == []
    out = io.BytesIO()
    write_logs(out, reader, prefix="w| ", timestamps=True, since_ns=T0 + 19 * SECOND)
    assert out.getvalue() == b"w| 2026-11-22T10:00:19.000000000Z at 9\n"


def test_printer_matches_the_records(tmp_path):
    config = LogConfig("json-file", {"max-size": "30k", "max-file": "3"})
    writer = open_writer(config, target(tmp_path))
    for i in range(2_000):
        text = b'%d "quoted" <tag>\t\xff\n' % i if i % 100 == 0 else b"plain %d\n" % i
        writer.write("stderr" if i % 7 == 0 else "stdout", text)
    writer.write("stdout", b"z" * 40_000 + b"\n")
    writer.close()
    reader = open_reader(config, target(tmp_path))
    out = io.BytesIO()
    write_logs(out, reader, prefix="web-1 | ", color="36")
    expected = b"".join(b"\x1b[36mweb-1 | \x1b[0m" + r.text.encode() + b"\n" for r in reader.read())
    assert out.getvalue() == expected


def test_torn_last_line_is_left_out(tmp_path):
    path = tmp_path / "p-web-1.log"
    write_timed(path, [T0, T0 + 1])
    with open(path, "ab") as handle:
        handle.write(b'{"log":"half a reco')
    reader = open_reader(LogConfig("json-file"), target(tmp_path))
    assert [r.text for r in reader.read()] == ["at 0", "at 1"]
    assert [r.text for r in reader.read(tail=1)] == ["at 1"]
    assert json.loads(path.read_bytes().splitlines()[0])["log"] == "at 0\n"
