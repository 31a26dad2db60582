"""Agreement with Compose v2 on a corpus: `python3 -m tests.conformance.report [DIR ...] [-v]`.

Prints one line per case that disagrees (with -v, the differing key paths too), then
files equal / valid files and refusals matched / files Compose refuses, and the time
each tool takes on the largest file. DIR defaults to tests/conformance/corpus.
"""

from __future__ import annotations

import argparse
import collections
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.conformance.harness import Result, cases_under, compare, compose_file, known_differences, run_compose_v2, run_composer

CORPUS = Path(__file__).resolve().parent / "corpus"


def compare_all(binary: Path, cases: list[Path], fmt: str = "json") -> list[Result]:
    def one(case: Path) -> Result | None:
        try:
            return compare(binary, case, fmt)
        except FileNotFoundError:  # a corpus still being collected can lose a folder meanwhile
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:  # Compose runs as a subprocess: overlap them
        return [r for r in pool.map(one, cases) if r is not None]


def summary(results: list[Result]) -> dict[str, tuple[int, int]]:
    valid = [r for r in results if r.reference.ok]
    refused = [r for r in results if not r.reference.ok]
    return {
        "files equal": (sum(r.status == "equal" for r in valid), len(valid)),
        "refusals matched": (sum(r.status == "both-refuse" for r in refused), len(refused)),
    }


def largest_file_timing(binary: Path, cases: list[Path], rounds: int = 5) -> str:
    case = max(cases, key=lambda c: _content_lines(compose_file(c)))
    theirs = min(run_compose_v2(binary, case).seconds for _ in range(rounds))
    ours = min(run_composer(case).seconds for _ in range(rounds))
    return (
        f"largest file {case.name} ({_content_lines(compose_file(case))} lines besides comments), best of {rounds}: "
        f"Compose v2 {theirs * 1000:.0f} ms (whole process), composer {ours * 1000:.0f} ms (load and print, in process)"
    )


def _content_lines(path: Path) -> int:
    """Lines that are not blank or comments: some files are mostly commented-out examples."""
    return sum(1 for line in path.read_text(errors="replace").splitlines() if line.strip() and not line.lstrip().startswith("#"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, default=[CORPUS])
    parser.add_argument("-v", "--verbose", action="store_true", help="print the differing key paths")
    parser.add_argument("--clusters", action="store_true", help="count differences by key (without list indexes)")
    parser.add_argument("--format", choices=("json", "yaml"), default="json", help="which output to compare (yaml: parsed, scalars as text)")
    args = parser.parse_args(argv)
    from bench.anchors.compose_v2 import ensure_compose_v2, compose_version

    binary = ensure_compose_v2()
    cases = [case for root in args.dirs for case in cases_under(root)]
    results = compare_all(binary, cases, args.format)
    clusters: collections.Counter[str] = collections.Counter()
    known = known_differences()
    for r in results:
        if r.agrees:
            continue
        print(f"{r.status:17} {r.case.name}" + (f"  (intentional: {known[r.case.name]})" if r.case.name in known else ""))
        if r.status == "composer-accepts":
            print(f"    Compose: {r.reference.error.splitlines()[-1] if r.reference.error else ''}"[:300])
        if r.status == "composer-refuses":
            print(f"    composer: {r.ours.error.splitlines()[0] if r.ours.error else ''}"[:300])
        for line in r.differences if args.verbose else ():
            print(f"    {line}"[:300])
        for line in r.differences:
            clusters[_cluster(line)] += 1
    if args.clusters:
        for key, count in clusters.most_common(60):
            print(f"{count:5} {key}")
    print(f"Compose {compose_version(binary)}, {len(cases)} cases, config --format {args.format}")
    for label, (good, total) in summary(results).items():
        print(f"{label}: {good} / {total}")
    if results:
        print(largest_file_timing(binary, [r.case for r in results]))
    return 0


def _cluster(line: str) -> str:
    import re

    path, _, rest = line.partition(":")
    path = re.sub(r"\[\d+\]", "[]", path)
    parts = path.split(".")
    if parts[0] in ("services", "networks", "volumes", "secrets", "configs") and len(parts) > 1:
        parts[1] = "*"
    return ".".join(parts) + (" missing" if "missing" in rest else " extra" if "extra" in rest else "")


if __name__ == "__main__":
    sys.exit(main())
