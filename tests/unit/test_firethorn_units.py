"""The firethorn example's own unit tests (stdlib unittest, so they also run inside its
images without pytest), collected here so the project's test run includes them; and
the catalogue generator's tests. None of this needs PostgreSQL or psycopg2."""

from __future__ import annotations

import io
import math
import random
import sys
from contextlib import redirect_stdout
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "firethorn"
for part in ("service", "tester", "postgres"):
    if str(EXAMPLE / part) not in sys.path:
        sys.path.insert(0, str(EXAMPLE / part))

import generate_catalogue  # noqa: E402
from firethorn.tests.test_api import ApiTest, RequestPartsTest  # noqa: E402,F401
from firethorn.tests.test_rows import JsonValueTest  # noqa: E402,F401
from firethorn.tests.test_settings import SettingsTest  # noqa: E402,F401
from firethorn.tests.test_sqlguard import CheckedSelectTest, CodeWordsTest  # noqa: E402,F401
from tester.tests.test_compare import ApiValueTest, DifferenceTest  # noqa: E402,F401
from tester.tests.test_querylist import OrderByTest, ParseQueriesTest  # noqa: E402,F401


def generated(rows: int, seed: int = 2016) -> list[list[str]]:
    return [line.rstrip("\n").split(",") for line in generate_catalogue.catalogue_lines(rows, seed)]


def test_the_same_seed_gives_the_same_catalogue_and_another_seed_another():
    assert generated(500) == generated(500)
    assert generated(500) != generated(500, seed=1)


def test_rows_fit_the_table_schema():
    rows = generated(20_000)
    assert all(len(row) == len(generate_catalogue.COLUMNS) for row in rows)
    assert [int(row[0]) for row in rows] == list(range(1, 20_001))
    for row in rows:
        ra, dec = float(row[1]), float(row[2])
        assert 0 <= ra < 360 and -90 <= dec <= 90
        assert row[3] in ("star", "galaxy", "qso") and row[12] in ("t", "f")
        assert all(math.isfinite(float(value)) for value in row[4:12])


def test_the_mix_of_sources_is_as_documented():
    rows = generated(50_000)
    share = lambda test: sum(map(test, rows)) / len(rows)  # noqa: E731
    assert abs(share(lambda r: r[13] != "") - generate_catalogue.CLUSTER_FRACTION) < 0.01
    assert abs(share(lambda r: r[3] == "galaxy") - generate_catalogue.GALAXY_FRACTION) < 0.01
    assert abs(share(lambda r: r[3] == "qso") - generate_catalogue.QSO_FRACTION) < 0.005
    assert {int(r[13]) for r in rows if r[13]} == set(range(1, generate_catalogue.CLUSTERS + 1))


def test_cluster_members_share_a_position_and_a_motion():
    rows = [r for r in generated(50_000) if r[13] == "1"]
    cluster = generate_catalogue.make_clusters(random.Random(2016))[0]
    assert abs(sum(float(r[2]) for r in rows) / len(rows) - cluster.dec) < 0.05
    assert abs(sum(float(r[9]) for r in rows) / len(rows) - cluster.pm_ra) < 0.05


def test_command_line_prints_the_columns_and_the_rows():
    out = io.StringIO()
    with redirect_stdout(out):
        assert generate_catalogue.main(["--columns"]) == 0
    assert out.getvalue().strip() == ", ".join(generate_catalogue.COLUMNS)
    out = io.StringIO()
    with redirect_stdout(out):
        assert generate_catalogue.main(["--rows", "7", "--seed", "3"]) == 0
    assert out.getvalue().splitlines() == [",".join(row) for row in generated(7, seed=3)]
