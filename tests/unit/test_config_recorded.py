"""`config --format json` against Compose v2's output recorded for every conformance case.

tests/conformance/cases/ holds one small project per feature (and per refusal),
tests/conformance/corpus/ real-world files; record.py wrote what Compose v2 printed
(expected.json) or that it refused the file (refused.txt). This runs without Compose.
"""

import json
from pathlib import Path

import pytest

from tests.conformance.harness import cases_under, differences, known_differences, run_composer
from tests.conformance.record import with_placeholder

ROOT = Path(__file__).resolve().parent.parent / "conformance"
CASES = [case for folder in ("cases", "corpus") if (ROOT / folder).exists() for case in cases_under(ROOT / folder)]
KNOWN = known_differences()
RECORDED = [case for case in CASES if (case / "expected.json").exists() or (case / "refused.txt").exists()]


def test_every_case_is_recorded():
    assert len(CASES) >= 30 and RECORDED == CASES


@pytest.mark.parametrize("case", RECORDED, ids=lambda case: f"{case.parent.name}/{case.name}")
def test_config_json_equals_recorded_compose_v2(case):
    ours = run_composer(case)
    if case.name in KNOWN:
        pytest.xfail(KNOWN[case.name])  # intentional, listed in docs/compatibility.md
    if (case / "refused.txt").exists():
        assert not ours.ok, f"Compose refuses it: {(case / 'refused.txt').read_text().strip()}"
        assert "CRASH" not in ours.error and "\n" not in ours.error.strip().splitlines()[0]
        return
    assert ours.ok, ours.error
    expected = json.loads((case / "expected.json").read_text())
    assert differences(expected, with_placeholder(ours.data, case)) == []


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_no_interpolate_prints_the_variables_as_written(fmt):
    from composer.cli.config_cmd import _render
    from composer.config.load import load_project
    from composer.config.options import LoadOptions

    case = ROOT / "cases" / "interpolation-forms"
    options = LoadOptions(files=(str(case / "compose.yaml"),), cwd=str(case), environ={"HOME": "/home/tester"}, interpolate=False)
    text = _render(load_project(options), fmt, interpolated=False)
    assert "${UNSET_VAR:-${SET_VAR:-inner}}" in text and "$${NOT_INTERPOLATED}" in text
