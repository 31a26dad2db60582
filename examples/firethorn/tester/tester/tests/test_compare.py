import datetime
import decimal
import unittest

from tester.compare import Result, api_value, difference, values_equal


def result(rows, columns=("a", "b"), truncated=False):
    return Result(list(columns), [list(row) for row in rows], truncated)


class ApiValueTest(unittest.TestCase):
    def test_values_become_what_the_api_sends(self):
        self.assertEqual(api_value(decimal.Decimal("1.50")), 1.5)
        self.assertEqual(api_value(float("nan")), "NaN")
        self.assertEqual(api_value(float("-inf")), "-Infinity")
        self.assertEqual(api_value(datetime.date(2016, 3, 1)), "2016-03-01")
        self.assertEqual(api_value(datetime.timedelta(minutes=90)), 5400.0)
        self.assertEqual(api_value([decimal.Decimal(2), b"\x0a"]), [2.0, "0a"])


class DifferenceTest(unittest.TestCase):
    def test_equal_results_in_any_order_when_unordered(self):
        self.assertIsNone(difference(result([(1, "x"), (2, "y")]), result([(2, "y"), (1, "x")]), ordered=False))

    def test_order_matters_when_ordered(self):
        self.assertEqual(difference(result([(1, "x"), (2, "y")]), result([(2, "y"), (1, "x")]), ordered=True), "row 1 differs: direct [1, 'x'] api [2, 'y']")

    def test_floats_within_a_relative_tolerance(self):
        self.assertIsNone(difference(result([(1, 18.709151010049183)]), result([(1, 18.70915101004919)]), ordered=True))
        self.assertIn("differs", difference(result([(1, 18.7091)]), result([(1, 18.7092)]), ordered=True))

    def test_columns_counts_and_truncation_are_checked_first(self):
        self.assertIn("columns differ", difference(result([]), result([], columns=("a", "c")), ordered=False))
        self.assertIn("row counts differ: direct 1 api 0", difference(result([(1, 2)]), result([]), ordered=False))
        self.assertIn("truncation differs", difference(result([], truncated=True), result([]), ordered=False))

    def test_truncated_unordered_results_compare_by_count_only(self):
        self.assertIsNone(difference(result([(1, 2)], truncated=True), result([(3, 4)], truncated=True), ordered=False))
        self.assertIsNotNone(difference(result([(1, 2)], truncated=True), result([(3, 4)], truncated=True), ordered=True))

    def test_values_of_different_kinds_differ(self):
        self.assertFalse(values_equal("1", 1))
        self.assertFalse(values_equal(True, 1))
        self.assertTrue(values_equal(2, 2.0))
        self.assertTrue(values_equal([1, [2.0, None]], [1, [2, None]]))


if __name__ == "__main__":
    unittest.main()
