"""Database values as JSON values: the API's one rule for every column type.

numbers → JSON numbers (numeric too: cast to text in SQL to keep every digit);
NaN and ±Infinity → the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers);
dates and times → ISO 8601 strings; intervals → seconds; bytea → hex; arrays → lists;
anything else (uuid, ranges, …) → its text form.
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Iterable, Sequence
from typing import Any


def json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else _non_finite(value)
    if isinstance(value, decimal.Decimal):
        return json_value(float(value))
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return str(value)


def json_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    return [[json_value(value) for value in row] for row in rows]


def _non_finite(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"
