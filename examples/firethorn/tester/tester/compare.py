"""Comparing two results of one query: straight from the database, and through the API.

Direct rows are first made into what the API promises to send (the rules of firethorn's
rows.py, restated here so the tester checks them rather than shares them). Floating
point values compare with a relative tolerance of 1e-9: aggregates over parallel scans
add up in a different order each run. Rows compare in order when the query orders them
(the query list's ORDER BYs must be total), as multisets otherwise; when both sides
were cut at the row limit, unordered rows cannot be compared, only counted.
"""

from __future__ import annotations

import datetime
import decimal
import math
from dataclasses import dataclass
from typing import Any

REL_TOLERANCE = 1e-9
ABS_TOLERANCE = 1e-12
SHOWN = 160  # characters of a differing row shown in the log


@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool


def api_value(value: Any) -> Any:
    """A database value as the API's JSON shows it."""
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [api_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): api_value(item) for key, item in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def difference(direct: Result, api: Result, ordered: bool) -> str | None:
    """None when the results agree, else the first difference in one line."""
    if direct.columns != api.columns:
        return f"columns differ: direct {direct.columns} api {api.columns}"
    if direct.truncated != api.truncated:
        return f"truncation differs: direct {direct.truncated} api {api.truncated}"
    if len(direct.rows) != len(api.rows):
        return f"row counts differ: direct {len(direct.rows)} api {len(api.rows)}"
    if direct.truncated and not ordered:
        return None  # which rows fill the limit is up to the database each time
    left, right = direct.rows, api.rows
    if not ordered:
        left, right = sorted(left, key=sort_key), sorted(right, key=sort_key)
    for number, (one, other) in enumerate(zip(left, right), start=1):
        if not values_equal(one, other):
            where = f"row {number}" if ordered else "a row"
            return f"{where} differs: direct {str(one)[:SHOWN]} api {str(other)[:SHOWN]}"
    return None


def values_equal(one: Any, other: Any) -> bool:
    if isinstance(one, list) and isinstance(other, list):
        return len(one) == len(other) and all(values_equal(a, b) for a, b in zip(one, other))
    if _is_number(one) and _is_number(other):
        return math.isclose(one, other, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)
    return type(one) is type(other) and one == other


def sort_key(row: list[Any]) -> tuple:
    """An order for rows that tolerance-equal values share (floats rounded for sorting only)."""
    return tuple(_value_key(value) for value in row)


def _value_key(value: Any) -> tuple:
    if value is None:
        return (0, 0)
    if _is_number(value):
        return (1, float(f"{value:.8g}"))
    if isinstance(value, str):
        return (2, value)
    return (3, repr(value))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
