"""Log driver numbers: write throughput, memory of a writer, printing a million lines.

    python3 bench/logs_bench.py [--smoke] [--json]

- write: lines of ~100 bytes fed in 64 KiB chunks (what a pipe read gives) through
  json-file with rotation (max-size 10m, max-file 3), with compression, and through
  `file`; MB/s of container output and lines/s.
- RSS: a fresh `python3 -I -S` (as the supervisor runs) that imports composer.logs and
  writes 1 GB (smoke: 20 MB) through a json-file writer; its peak RSS (VmHWM), next to
  the same process before writing.
- print: `compose logs`' bulk path printing a 1,000,000-line json-file log (smoke:
  100,000) with a coloured prefix to /dev/null, in process and as a fresh process
  (start-up included), with --timestamps, and `cat` of the same file.
Each figure is the median of 5 rounds (smoke: 1) with its min–max. Nothing is asserted.
run(smoke) -> dict is what a harness calls to set these beside Docker's json-file.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from composer.logs import LogConfig, LogTarget, open_reader, open_writer, write_logs  # noqa: E402

MB = 1_000_000
LINE = b"2026-11-22T10:00:00.000Z INFO  request handled method=GET path=/api/items/%07d status=200 dur=3ms\n"
PREFIX, COLOR = "web-1  | ", "36"
ROTATING = {"max-size": "10m", "max-file": "3"}


def chunks(total_bytes: int) -> tuple[list[bytes], int]:
    """64 KiB chunks of numbered lines adding up to about total_bytes; and how many lines."""
    per_chunk = 65536 // len(LINE % 0)
    block = [b"".join(LINE % (start + i) for i in range(per_chunk)) for start in range(0, per_chunk * 16, per_chunk)]
    count = max(total_bytes // len(block[0]), 1)
    return [block[n % 16] for n in range(count)], count * per_chunk


def write_once(directory: str, config: LogConfig, data: list[bytes], lines: int) -> dict[str, float]:
    target = LogTarget("bench", "web", f"write-{time.monotonic_ns()}", directory)
    start = time.perf_counter()
    writer = open_writer(config, target)
    for chunk in data:
        writer.write("stdout", chunk)
    writer.close()
    seconds = time.perf_counter() - start
    size = sum(len(chunk) for chunk in data)
    return {"mb_per_s": size / MB / seconds, "lines_per_s": lines / seconds}


RSS_SCRIPT = """
import sys, time
sys.path.insert(0, sys.argv[1])
from composer.logs import LogConfig, LogTarget, open_writer
def rss():
    fields = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
before = rss()[0]
line = b"%07d a log line of about a hundred bytes, padded with some words to look real.....\\n"
chunk = b"".join(line % i for i in range(640))
config = LogConfig("json-file", {"max-size": "10m", "max-file": "3"})
writer = open_writer(config, LogTarget("b", "w", "rss", sys.argv[2]))
for _ in range(int(sys.argv[3]) // len(chunk)):
    writer.write("stdout", chunk)
writer.close()
print(before, rss()[1])
"""


def rss_once(directory: str, total_bytes: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RSS_SCRIPT, str(ROOT), directory, str(total_bytes)],
        capture_output=True, text=True, check=True, timeout=600,
    ).stdout.split()
    return {"rss_after_import_kb": float(out[0]), "peak_rss_kb": float(out[1])}


PRINT_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
from composer.logs import LogConfig, LogTarget, open_reader, write_logs
target = LogTarget("bench", "web", sys.argv[3], sys.argv[2])
write_logs(sys.stdout.buffer, open_reader(LogConfig("json-file"), target), prefix="web-1  | ", color="36")
"""


def make_log(directory: str, lines: int) -> LogTarget:
    target = LogTarget("bench", "web", "print", directory)
    writer = open_writer(LogConfig("json-file"), target)
    for start in range(0, lines, 1000):
        writer.write("stdout", b"".join(LINE % i for i in range(start, min(start + 1000, lines))))
    writer.close()
    return target


def print_once(target: LogTarget, path: str) -> dict[str, float]:
    reader = open_reader(LogConfig("json-file"), target)
    with open(os.devnull, "wb") as devnull:
        figures = {
            "print_s": timed(lambda: write_logs(devnull, reader, prefix=PREFIX, color=COLOR)),
            "print_timestamps_s": timed(lambda: write_logs(devnull, reader, PREFIX, COLOR, timestamps=True)),
            "print_process_s": timed(lambda: subprocess.run(
                [sys.executable, "-I", "-S", "-c", PRINT_SCRIPT, str(ROOT), target.default_dir, target.container],
                stdout=devnull, check=True, timeout=600)),
            "cat_s": timed(lambda: subprocess.run(["cat", path], stdout=devnull, check=True, timeout=600)),
        }
    return figures


def timed(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def rounds(count: int, job: Callable[[], dict[str, float]]) -> dict[str, dict[str, float]]:
    samples: dict[str, list[float]] = {}
    for _ in range(count):
        for key, value in job().items():
            samples.setdefault(key, []).append(value)
    return {key: summary(values) for key, values in samples.items()}


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def run(smoke: bool = False) -> dict:
    repeats = 1 if smoke else 5
    write_bytes = 20 * MB if smoke else 200 * MB
    rss_bytes = 20 * MB if smoke else 1000 * MB
    print_lines = 100_000 if smoke else 1_000_000
    data, lines = chunks(write_bytes)
    configs = {
        "json-file": LogConfig("json-file", ROTATING),
        "json-file+compress": LogConfig("json-file", {**ROTATING, "compress": "true"}),
        "file": LogConfig("file", ROTATING),
    }
    results: dict = {"smoke": smoke, "write_bytes": write_bytes, "rss_bytes": rss_bytes, "print_lines": print_lines}
    with tempfile.TemporaryDirectory(prefix="logs-bench-") as directory:
        for name, config in configs.items():
            results[f"write {name}"] = rounds(repeats, lambda: write_once(directory, config, data, lines))
        results["rss"] = rounds(repeats, lambda: rss_once(directory, rss_bytes))
        target = make_log(directory, print_lines)
        path = os.path.join(directory, "print.log")
        results["log_file_mb"] = os.path.getsize(path) / MB
        results["print"] = rounds(repeats, lambda: print_once(target, path))
    return results


def table(results: dict) -> str:
    rows = [("what", "median", "min–max")]
    for name in ("json-file", "json-file+compress", "file"):
        figures = results[f"write {name}"]
        rows.append((f"write {name}, MB/s", *cells(figures["mb_per_s"], "{:.0f}")))
        rows.append((f"write {name}, lines/s", *cells(figures["lines_per_s"], "{:,.0f}")))
    gigs = results["rss_bytes"] / MB
    rows.append(("RSS after import, MB", *cells(results["rss"]["rss_after_import_kb"], "{:.1f}", 1 / 1024)))
    rows.append((f"peak RSS writing {gigs:.0f} MB, MB", *cells(results["rss"]["peak_rss_kb"], "{:.1f}", 1 / 1024)))
    count = f"{results['print_lines']:,} lines ({results['log_file_mb']:.0f} MB)"
    for key, label in (("print_s", "print"), ("print_timestamps_s", "print --timestamps"),
                       ("print_process_s", "print, new process"), ("cat_s", "cat")):
        rows.append((f"{label} {count}, s", *cells(results["print"][key], "{:.3f}")))
    width = max(len(row[0]) for row in rows)
    return "\n".join(f"{a:<{width}}  {b:>12}  {c:>22}" for a, b, c in rows)


def cells(figure: dict[str, float], form: str, scale: float = 1.0) -> tuple[str, str]:
    low, high = form.format(figure["min"] * scale), form.format(figure["max"] * scale)
    return form.format(figure["median"] * scale), f"{low} – {high}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="small sizes, one round")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()
    results = run(args.smoke)
    print(table(results))
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
