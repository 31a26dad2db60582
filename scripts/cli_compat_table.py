"""Print docs/cli-compatibility.md's verb table: each Compose v2 verb's flags (from the
reference binary's `VERB --help`) marked against composer's parser.

    python3 scripts/cli_compat_table.py [path/to/docker-compose]
"""

from __future__ import annotations

import re
import subprocess
import sys

from composer.cli.main import VERBS, build_parser

FLAG_LINE = re.compile(r"^\s{2,6}(?:(-\w), )?(--[\w-]+)")  # an option's own line, not its wrapped help


def reference_verbs(binary: str) -> list[str]:
    text = subprocess.run([binary, "--help"], capture_output=True, text=True, check=True).stdout
    return sorted(m.group(1) for m in re.finditer(r"^  (\w+)\s{2,}", text.split("Commands:", 1)[1], re.M))


def reference_flags(binary: str, verb: str) -> list[tuple[str | None, str]]:
    text = subprocess.run([binary, verb, "--help"], capture_output=True, text=True).stdout
    options = text.split("Options:", 1)[1] if "Options:" in text else ""
    return [(m.group(1), m.group(2)) for m in map(FLAG_LINE.match, options.splitlines()) if m]


def main(binary: str) -> None:
    parser = build_parser()
    ours = next(a for a in parser._actions if a.dest == "verb").choices
    print("| verb | composer | Compose v2 2.40 flags (✓ composer has it, ✗ not) |")
    print("|---|---|---|")
    for verb in reference_verbs(binary):
        sub = ours.get(verb)
        refused = sub is not None and VERBS[verb][0] == "unsupported_cmd"
        have = {s for a in sub._actions for s in a.option_strings} if sub is not None and not refused else set()
        cells = [f"`{f'{short}, ' if short else ''}{long}` {'✓' if long in have else '✗'}" for short, long in reference_flags(binary, verb)]
        status = "refused (one line, exit 1)" if refused else ("yes" if sub is not None else "no")
        print(f"| `{verb}` | {status} | {', '.join(cells) or '—'} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/main/.cache/compose-v2/lib/python3.11/site-packages/compose/docker-compose")
