"""The query list: a SQL file of named queries.

    -- name: cone-small
    SELECT … ;

    -- name: no-writes
    -- expect: rejected
    DELETE FROM stars;

Each query runs from its `-- name:` line to the next one. `-- expect: rejected` marks a
statement the service must refuse (HTTP 400) and the database must refuse too when it
is sent directly (the read-only roles). A query's ORDER BY decides how rows compare: in
order when the outermost query has one, as a multiset otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EXPECTATIONS = ("match", "rejected")
_HEADER = re.compile(r"^--\s*(name|expect):\s*(.*?)\s*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_NOT_CODE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)


class QueryListError(ValueError):
    """The list cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    line: int  # of its `-- name:` header
    expect: str = "match"

    @property
    def ordered(self) -> bool:
        return has_outer_order_by(self.sql)


def parse_queries(text: str, source: str = "queries.sql") -> list[Query]:
    queries: list[Query] = []
    current: dict | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line.strip())
        if header and header.group(1) == "name":
            _close(current, queries, source)
            current = {"name": _valid_name(header.group(2), source, number), "line": number, "expect": "match", "lines": []}
        elif header and current is not None and not any(part.strip() for part in current["lines"]):
            current["expect"] = _valid_expectation(header.group(2), source, number)
        elif current is not None:
            current["lines"].append(line)
        elif line.strip() and not line.strip().startswith("--"):
            raise QueryListError(f"{source}:{number}: SQL before the first '-- name:' line")
    _close(current, queries, source)
    names = [query.name for query in queries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise QueryListError(f"{source}: query names used twice: {', '.join(duplicates)}")
    return queries


def has_outer_order_by(sql: str) -> bool:
    """Whether ORDER BY appears outside every parenthesis (strings and comments ignored)."""
    code = _NOT_CODE.sub(" ", sql)
    depth = 0
    for token in re.findall(r"\(|\)|[A-Za-z_]+", code):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0 and token.upper() == "ORDER":
            return True
    return False


def _close(current: dict | None, queries: list[Query], source: str) -> None:
    if current is None:
        return
    sql = "\n".join(current["lines"]).strip()
    if not sql:
        raise QueryListError(f"{source}:{current['line']}: query {current['name']} has no SQL")
    queries.append(Query(current["name"], sql, current["line"], current["expect"]))


def _valid_name(name: str, source: str, number: int) -> str:
    if not _NAME.match(name):
        raise QueryListError(f"{source}:{number}: query name {name!r}: use lower-case letters, digits, '-', '_' and '.'")
    return name


def _valid_expectation(value: str, source: str, number: int) -> str:
    if value not in EXPECTATIONS:
        raise QueryListError(f"{source}:{number}: expect: {value!r}: use one of {', '.join(EXPECTATIONS)}")
    return value
