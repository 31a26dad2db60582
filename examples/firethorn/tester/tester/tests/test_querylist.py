import unittest
from pathlib import Path

from tester.querylist import Query, QueryListError, has_outer_order_by, parse_queries

LIST = """\
-- A header comment is fine.

-- name: first
SELECT 1;

-- name: second
-- expect: rejected
DELETE FROM stars;
-- a comment inside a query's text stays with it
"""


class ParseQueriesTest(unittest.TestCase):
    def test_named_queries_with_their_lines_and_expectations(self):
        first, second = parse_queries(LIST)
        self.assertEqual(first, Query("first", "SELECT 1;", 3))
        self.assertEqual((second.name, second.expect, second.line), ("second", "rejected", 6))
        self.assertTrue(second.sql.startswith("DELETE FROM stars;"))

    def test_mistakes_name_the_line(self):
        cases = [("SELECT 1;\n-- name: a\nSELECT 2;", "queries.sql:1: SQL before"),
                 ("-- name: a\n\n-- name: b\nSELECT 1;", "queries.sql:1: query a has no SQL"),
                 ("-- name: Bad Name\nSELECT 1;", "queries.sql:1: query name"),
                 ("-- name: a\n-- expect: maybe\nSELECT 1;", "queries.sql:2: expect: 'maybe'"),
                 ("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;", "names used twice: a")]  # fmt: skip
        for text, message in cases:
            with self.assertRaisesRegex(QueryListError, message):
                parse_queries(text)

    def test_the_shipped_list_parses_and_is_big_enough(self):
        shipped = Path(__file__).resolve().parents[2] / "queries.sql"
        queries = parse_queries(shipped.read_text(), str(shipped))
        self.assertGreaterEqual(len(queries), 40)
        self.assertGreaterEqual(sum(q.expect == "rejected" for q in queries), 2)


class OrderByTest(unittest.TestCase):
    def test_only_the_outermost_order_by_counts(self):
        self.assertTrue(has_outer_order_by("SELECT a FROM t ORDER BY a"))
        self.assertTrue(has_outer_order_by("select a from (select a from t order by a) s order\nby a"))
        for sql in ("SELECT row_number() OVER (ORDER BY a) FROM t",
                    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a) FROM t",
                    "(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL (SELECT a FROM t ORDER BY a DESC LIMIT 1)",
                    "SELECT 'order by' AS \"ORDER\" FROM t -- ORDER BY a\n",
                    "SELECT a /* ORDER BY a */ FROM t"):  # fmt: skip
            self.assertFalse(has_outer_order_by(sql), sql)


if __name__ == "__main__":
    unittest.main()
