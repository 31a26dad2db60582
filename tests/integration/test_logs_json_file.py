"""json-file and file writers on real files: format, rotation, compression, re-open."""

from __future__ import annotations

import gzip
import json
import os
import time
from pathlib import Path

import pytest

from composer.logs import LogConfig, LogTarget, LogsUnavailable, open_reader, open_writer
from composer.logs.jsonline import parse_time


def target(directory: Path, container: str = "p-web-1") -> LogTarget:
    return LogTarget("p", "web", container, str(directory))


def write_lines(config: LogConfig, where: LogTarget, lines: list[bytes], stream: str = "stdout") -> None:
    writer = open_writer(config, where)
    try:
        for line in lines:
            writer.write(stream, line)
    finally:
        writer.close()


def test_lines_are_dockers_json_with_nanosecond_times(tmp_path):
    config = LogConfig("json-file")
    before = time.time_ns()
    writer = open_writer(config, target(tmp_path))
    writer.write("stdout", b"hello\nwor")
    writer.write("stderr", b"oops\n")
    writer.write("stdout", b"ld\n")
    writer.close()
    after = time.time_ns()
    raw = (tmp_path / "p-web-1.log").read_bytes().splitlines()
    records = [json.loads(line) for line in raw]
    got = [(r["log"], r["stream"]) for r in records]
    assert got == [("hello\n", "stdout"), ("oops\n", "stderr"), ("world\n", "stdout")]
    assert all(list(r) == ["log", "stream", "time"] for r in records)
    times = [parse_time(r["time"].encode()) for r in records]
    assert before <= times[0] <= times[1] <= times[2] <= after
    for stamp in (r["time"] for r in records):  # Go's RFC3339Nano in UTC: no trailing zeros
        assert stamp.endswith("Z") and stamp[10] == "T" and not stamp[:-1].endswith("0")
    assert [r.time_ns for r in open_reader(config, target(tmp_path)).read()] == times


def test_rotation_keeps_max_file_files_each_just_past_max_size(tmp_path):
    config = LogConfig("json-file", {"max-size": "10k", "max-file": "4"})
    write_lines(config, target(tmp_path), [b"line %05d of the rotation test\n" % i for i in range(3000)])
    names = sorted(os.listdir(tmp_path))
    assert names == ["p-web-1.log", "p-web-1.log.1", "p-web-1.log.2", "p-web-1.log.3"]
    record = len((tmp_path / "p-web-1.log").read_bytes().splitlines()[0]) + 1
    for name in names[1:]:
        size = (tmp_path / name).stat().st_size
        assert 10_000 <= size < 10_000 + record  # cut at the first record reaching max-size, like Docker
    texts = [r.text for r in open_reader(config, target(tmp_path)).read()]
    assert texts == [f"line {i:05d} of the rotation test" for i in range(3000 - len(texts), 3000)]


def test_max_file_one_truncates(tmp_path):
    config = LogConfig("json-file", {"max-size": "2k"})
    write_lines(config, target(tmp_path), [b"%04d\n" % i for i in range(500)])
    assert os.listdir(tmp_path) == ["p-web-1.log"]
    assert (tmp_path / "p-web-1.log").stat().st_size < 2_000 + 100
    assert [r.text for r in open_reader(config, target(tmp_path)).read()][-1] == "0499"


def test_compress_makes_gz_files_holding_the_rotated_lines(tmp_path):
    config = LogConfig("json-file", {"max-size": "20k", "max-file": "3", "compress": "true"})
    write_lines(config, target(tmp_path), [b"compressed line %05d\n" % i for i in range(4000)])
    names = sorted(os.listdir(tmp_path))
    assert names == ["p-web-1.log", "p-web-1.log.1.gz", "p-web-1.log.2.gz"]
    contents = [gzip.decompress((tmp_path / name).read_bytes()) for name in names[:0:-1]]
    contents.append((tmp_path / "p-web-1.log").read_bytes())
    texts = [json.loads(line)["log"] for part in contents for line in part.splitlines()]
    first = int(texts[0].split()[-1])
    assert texts == [f"compressed line {i:05d}\n" for i in range(first, 4000)]
    read = [r.text for r in open_reader(config, target(tmp_path)).read()]
    assert read == [t[:-1] for t in texts]
    assert [r.text for r in open_reader(config, target(tmp_path)).read(tail=len(texts) - 5)] == read[5:]


def test_a_new_writer_continues_the_series(tmp_path):
    config = LogConfig("json-file", {"max-size": "3k", "max-file": "3"})
    for run in range(4):  # the container is recreated four times
        write_lines(config, target(tmp_path), [b"run %d line %03d\n" % (run, i) for i in range(60)])
    texts = [r.text for r in open_reader(config, target(tmp_path)).read()]
    every = [f"run {run} line {i:03d}" for run in range(4) for i in range(60)]
    assert texts == every[len(every) - len(texts) :]
    assert len(texts) > 60 and sorted(os.listdir(tmp_path)) == ["p-web-1.log", "p-web-1.log.1", "p-web-1.log.2"]


def test_path_option_directory_and_file(tmp_path):
    directory = tmp_path / "logs"
    write_lines(LogConfig("json-file", {"path": str(directory) + "/"}), target(tmp_path), [b"a\n"])
    assert (directory / "p-web-1.log").exists()
    log_file = tmp_path / "deep" / "tests.log"
    config = LogConfig("file", {"path": str(log_file)})
    write_lines(config, target(tmp_path), [b"b\n"])
    assert log_file.read_bytes() == b"b\n"
    assert log_file.stat().st_mode & 0o777 == 0o640


def test_file_driver_keeps_the_bytes_and_refuses_times(tmp_path):
    config = LogConfig("file")
    data = [b"plain\r\n", b"\xff\xfe binary\x00\n", b"no newline at the end"]
    write_lines(config, target(tmp_path), data)
    assert (tmp_path / "p-web-1.log").read_bytes() == b"".join(data)
    reader = open_reader(config, target(tmp_path))
    assert [r.text for r in reader.read()] == ["plain\r", "\ufffd\ufffd binary\x00", "no newline at the end"]
    with pytest.raises(LogsUnavailable, match="keeps no times"):
        list(reader.read(since_ns=1))


def test_none_driver_discards_and_cannot_be_read(tmp_path):
    writer = open_writer(LogConfig("none"), target(tmp_path))
    writer.write("stdout", b"gone\n")
    writer.close()
    assert writer.dropped == 0 and os.listdir(tmp_path) == []
    with pytest.raises(LogsUnavailable, match="p-web-1: logging driver none keeps no logs"):
        open_reader(LogConfig("none"), target(tmp_path))


def test_long_lines_partials_and_invalid_utf8_read_back(tmp_path):
    config = LogConfig("json-file")
    long_line = b"0123456789" * 10_000  # 100,000 bytes: seven records on disk
    writer = open_writer(config, target(tmp_path))
    writer.write("stdout", long_line[:30_000])
    writer.write("stderr", b"bad \xff\xc3 utf8 \xe2\x80\xa8\n")
    writer.write("stdout", long_line[30_000:] + b"\nprompt> ")
    writer.close()
    lines = (tmp_path / "p-web-1.log").read_bytes().splitlines()
    assert len(lines) == 9 and all(len(line) < 17_000 for line in lines)
    assert json.loads(lines[1])["stream"] == "stderr" and b"\\ufffd\\ufffd utf8 \\u2028" in lines[1]
    records = list(open_reader(config, target(tmp_path)).read())
    assert [(r.stream, len(r.text)) for r in records] == [("stderr", 13), ("stdout", 100_000), ("stdout", 8)]
    assert records[1].text.encode() == long_line and records[2].text == "prompt> "


def test_unwritable_path_is_a_one_line_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    config = LogConfig("json-file", {"path": str(blocker / "sub") + "/"})
    with pytest.raises(Exception) as caught:
        open_writer(config, target(tmp_path))
    assert "cannot open log file" in caught.value.one_line() and "p-web-1" in caught.value.one_line()


def test_a_full_disk_is_counted_not_raised_in_non_blocking_mode(tmp_path):
    writer = open_writer(LogConfig("json-file", {"path": "/dev/full", "mode": "non-blocking"}), target(tmp_path))
    writer.write("stdout", b"one\ntwo\n")
    writer.close()
    assert writer.write_errors == 2 and writer.dropped == 2 and "No space left" in writer.last_error


def test_a_full_disk_blocks_in_blocking_mode_until_the_write_goes_through(tmp_path, monkeypatch):
    writer = open_writer(LogConfig("json-file", {"path": "/dev/full"}), target(tmp_path))
    waits = []

    def wait_then_give_space() -> None:  # /dev/full stays full: the third wait swaps in a file
        waits.append(True)
        if len(waits) == 3:
            os.dup2(os.open(tmp_path / "space.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND), writer._file._fd)

    monkeypatch.setattr(writer._file, "_wait_for_space", wait_then_give_space)
    writer.write("stdout", b"one\ntwo\n")
    writer.close()
    assert len(waits) == 3 and writer.dropped == 0
    assert [json.loads(line)["log"] for line in (tmp_path / "space.log").read_text().splitlines()] == ["one\n", "two\n"]


def test_compression_left_half_done_by_a_crash_is_finished(tmp_path):
    log = tmp_path / "p-web-1.log"
    Path(f"{log}.1").write_bytes(b'{"log":"old\\n","stream":"stdout","time":"2026-11-22T10:00:00Z"}\n')
    Path(f"{log}.1.gz.tmp").write_bytes(b"half a gzip")
    config = LogConfig("json-file", {"max-size": "1m", "max-file": "3", "compress": "true"})
    write_lines(config, target(tmp_path), [b"new\n"])
    assert sorted(os.listdir(tmp_path)) == ["p-web-1.log", "p-web-1.log.1.gz"]
    assert [r.text for r in open_reader(config, target(tmp_path)).read()] == ["old", "new"]
