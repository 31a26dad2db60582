import datetime
import decimal
import json
import unittest
import uuid

from firethorn.rows import json_rows, json_value


class JsonValueTest(unittest.TestCase):
    def test_plain_values_pass_through(self):
        for value in (None, True, 3, -2.5, "text"):
            self.assertEqual(json_value(value), value)

    def test_numeric_becomes_a_number_and_non_finite_floats_become_strings(self):
        self.assertEqual(json_value(decimal.Decimal("1.50")), 1.5)
        self.assertEqual([json_value(float(x)) for x in ("nan", "inf", "-inf")], ["NaN", "Infinity", "-Infinity"])
        self.assertEqual(json_value(decimal.Decimal("NaN")), "NaN")

    def test_times_dates_intervals_bytes_arrays_and_others(self):
        self.assertEqual(json_value(datetime.date(2016, 3, 1)), "2016-03-01")
        self.assertEqual(json_value(datetime.datetime(2016, 3, 1, 12, 30, tzinfo=datetime.timezone.utc)), "2016-03-01T12:30:00+00:00")
        self.assertEqual(json_value(datetime.timedelta(minutes=90)), 5400.0)
        self.assertEqual(json_value(memoryview(b"\x01\xff")), "01ff")
        self.assertEqual(json_value([decimal.Decimal(1), None, (2, 3)]), [1.0, None, [2, 3]])
        identifier = uuid.UUID(int=1)
        self.assertEqual(json_value(identifier), str(identifier))

    def test_rows_always_encode_as_strict_json(self):
        rows = json_rows([(1, float("nan"), decimal.Decimal("2.25")), (2, None, decimal.Decimal("Infinity"))])
        self.assertEqual(json.loads(json.dumps(rows, allow_nan=False)), [[1, "NaN", 2.25], [2, None, "Infinity"]])


if __name__ == "__main__":
    unittest.main()
