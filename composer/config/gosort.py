"""The order Go's yaml.v3 writes map keys in (environment, labels, services, x-* …).

Not plain string order: letters sort among themselves, a run of digits sorts as a
number, and a letter goes after a non-letter unless it follows a digit
(`KAFKA_LOG_RETENTION` before `KAFKA_LOG4J`, `REDIS_SLAVEOF` before `REDISPASS`).
"""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any


def _less(a: str, b: str) -> bool:
    digits = False
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            digits = a[i].isdigit()
            continue
        a_letter, b_letter = a[i].isalpha(), b[i].isalpha()
        if a_letter and b_letter:
            return a[i] < b[i]
        if a_letter or b_letter:
            return a_letter if digits else b_letter
        a_number = b_number = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != "0":
                    a_number = b_number = 1
                    break
                j -= 1
        a_end = i
        while a_end < len(a) and a[a_end].isdigit():
            a_number = a_number * 10 + int(a[a_end])
            a_end += 1
        b_end = i
        while b_end < len(b) and b[b_end].isdigit():
            b_number = b_number * 10 + int(b[b_end])
            b_end += 1
        if a_number != b_number:
            return a_number < b_number
        if a_end != b_end:
            return a_end < b_end
        return a[i] < b[i]
    return len(a) < len(b)


def _compare(a: Any, b: Any) -> int:
    a, b = str(a), str(b)
    return -1 if _less(a, b) else 1 if _less(b, a) else 0


go_key = cmp_to_key(_compare)


def go_sorted(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping with its keys in yaml.v3's order."""
    return {key: mapping[key] for key in sorted(mapping, key=go_key)}
