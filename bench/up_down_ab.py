"""`up -d`, no-op `up -d` and `down` of N busybox services: two source trees of composer
side by side, interleaved (A B A B …), to see what a change costs.

    sudo python3 bench/up_down_ab.py --a /path/to/before --b . [--services 5] [--rounds 9]

Each round runs, for A then B (B then A on odd rounds), `up -d`, a second `up -d` (nothing
to do: the recorded fast path) and `down`, each as its own process with that tree on
PYTHONPATH, in one private state (COMPOSER_ROOT/COMPOSER_RUN under a temporary dir) with
the busybox image imported once. Reported per command: wall and CPU (user + system of the
process and its children) as median (min–max), and the median of the per-round B/A
ratios. Nothing is asserted: numbers to read. Needs root, runc and busybox-static.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMAGE = "abbench/busybox:latest"
SLEEPER = "trap 'exit 0' TERM; sleep 3600 & wait"
VERBS = {"up": ["up", "-d"], "noop": ["up", "-d"], "down": ["down"]}


def compose_file(directory: Path, services: int) -> Path:
    lines = ["networks:", "  default:", "    driver_opts:", "      com.docker.network.bridge.name: cab-bench", "services:"]
    for index in range(services):
        lines += [f"  s{index}:", f"    image: {IMAGE}", f"    command: [\"sh\", \"-c\", \"{SLEEPER}\"]"]
    path = directory / "compose.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def import_image(env: dict, work: Path) -> None:
    sys.path.insert(0, str(REPO))
    from tests.support.rootfs import make_busybox_tar

    tar = make_busybox_tar(work / "busybox.tar", work)
    code = "import sys; from composer.images import ImageStore; ImageStore().import_rootfs(sys.argv[1], sys.argv[2], changes={'Cmd': ['sh']})"
    subprocess.run([sys.executable, "-c", code, str(tar), IMAGE], env=env, check=True, timeout=120)


def timed(tree: Path, env: dict, path: Path, verb: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one command; a failure stops the bench with its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "composer", "-f", str(path), "-p", "abbench", *verb],
                          env=dict(env, PYTHONPATH=str(tree)), capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(verb)} failed: {done.stderr.strip()[-400:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def summary(values: list[float]) -> str:
    return f"{1000 * statistics.median(values):.0f} ({1000 * min(values):.0f}–{1000 * max(values):.0f})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", type=Path, required=True, help="source tree A (e.g. before a change)")
    parser.add_argument("--b", type=Path, required=True, help="source tree B (e.g. after)")
    parser.add_argument("--services", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    trees = {"A": args.a.resolve(), "B": args.b.resolve()}
    work = Path(tempfile.mkdtemp(prefix="abbench-", dir="/tmp"))
    env = dict(os.environ, COMPOSER_ROOT=str(work / "root"), COMPOSER_RUN=str(work / "run"))
    samples: dict[tuple[str, str, str], list[float]] = {}
    try:
        import_image(dict(env, PYTHONPATH=str(trees["B"])), work)
        path = compose_file(work, args.services)
        for number in range(args.rounds):
            for side in ("A", "B") if number % 2 == 0 else ("B", "A"):
                for name, verb in VERBS.items():
                    wall, cpu = timed(trees[side], env, path, verb)
                    samples.setdefault((side, name, "wall"), []).append(wall)
                    samples.setdefault((side, name, "cpu"), []).append(cpu)
    finally:
        subprocess.run([sys.executable, "-m", "composer", "-f", str(work / "compose.yaml"), "-p", "abbench", "down"],
                       env=dict(env, PYTHONPATH=str(trees["B"])), capture_output=True, timeout=300)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.services} services, {args.rounds} rounds interleaved; ms median (min–max); B/A = median of per-round ratios")
    print("| command | A wall | B wall | B/A wall | A cpu | B cpu | B/A cpu |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name in VERBS:
        row = [name if name != "noop" else "no-op up -d"]
        for kind in ("wall", "cpu"):
            a, b = samples[("A", name, kind)], samples[("B", name, kind)]
            ratio = statistics.median(y / x for x, y in zip(a, b) if x > 0)
            row += [summary(a), summary(b), f"{ratio:.3f}"]
        print("| " + " | ".join([row[0], row[1], row[2], row[3], row[4], row[5], row[6]]) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
