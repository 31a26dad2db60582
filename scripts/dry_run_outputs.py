"""Record or compare what `compose --dry-run …` prints for every compose file in tests/ and examples/.

The dry run prints the Plan that `up`/`down` would carry out, so a change to the planning
code shows here first. Record a baseline with the code before a change, compare after:

    PYTHONPATH=. python3 scripts/dry_run_outputs.py record /tmp/dry-run-before.json
    PYTHONPATH=. python3 scripts/dry_run_outputs.py compare /tmp/dry-run-before.json

Each command runs in a private, empty state (COMPOSER_ROOT / COMPOSER_RUN in a temporary
directory), so nothing on the host is read or changed; output is compared byte for byte
(stdout, stderr, exit code). The conformance corpus is left out (hundreds of files; its
loading is tested elsewhere).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE_SETS = [
    ["examples/firethorn/compose.yaml", "examples/firethorn/compose.dev.yaml"],
]
VERBS = [
    ["up", "-d"],
    ["up", "-d", "--no-start"],
    ["up", "-d", "--force-recreate", "--scale", "{first}=2"],
    ["up", "-d", "--no-deps", "{first}"],
    ["create"],
    ["down"],
    ["down", "-v", "--rmi", "all", "--remove-orphans"],
    ["stop"],
    ["start"],
    ["restart"],
]


def compose_files() -> list[list[str]]:
    found = sorted(
        str(p.relative_to(ROOT))
        for top in ("tests", "examples")
        for p in (ROOT / top).rglob("*compose*.y*ml")
        if "conformance" not in p.parts
    )
    return [[f] for f in found] + FILE_SETS


def first_service(files: list[str], env: dict) -> str:
    args = [sys.executable, "-m", "composer", *sum((["-f", f] for f in files), []), "config", "--services"]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    names = out.stdout.split()
    return names[0] if names else "none"


def run_all() -> dict:
    results = {}
    with tempfile.TemporaryDirectory(prefix="dryrun-", dir="/tmp") as state:
        env = dict(os.environ, COMPOSER_ROOT=f"{state}/root", COMPOSER_RUN=f"{state}/run", NO_COLOR="1")
        for files in compose_files():
            first = first_service(files, env)
            for verb in VERBS:
                verb = [word.replace("{first}", first) for word in verb]
                args = [sys.executable, "-m", "composer", *sum((["-f", f] for f in files), []), "--dry-run", *verb]
                out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
                results[" ".join([*files, "::", *verb])] = [out.returncode, out.stdout, out.stderr]
    return results


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in ("record", "compare"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: dry_run_outputs.py record|compare FILE.json", file=sys.stderr)
        return 2
    results = run_all()
    if sys.argv[1] == "record":
        Path(sys.argv[2]).write_text(json.dumps(results, indent=1, sort_keys=True))
        print(f"{len(results)} outputs recorded in {sys.argv[2]}")
        return 0
    baseline = json.loads(Path(sys.argv[2]).read_text())
    differ = [key for key in sorted(set(baseline) | set(results)) if baseline.get(key) != results.get(key)]
    for key in differ:
        print(f"DIFFERS: {key}\n  before: {baseline.get(key)}\n  after:  {results.get(key)}")
    print(f"{len(results) - len(differ)}/{len(results)} identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
