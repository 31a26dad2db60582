"""The first check on a submitted query: one SELECT statement, nothing that writes.

This check exists to give users a clear answer at once (HTTP 400). It is not what keeps
the catalogue safe: the database role can only SELECT, its transactions are read-only by
default, and each query runs in a READ ONLY transaction through a cursor (which only a
query can be). PostgreSQL's lexical rules are followed far enough to tell code from
strings, quoted names and comments.
"""

from __future__ import annotations

import re

MAX_LENGTH = 64 * 1024
STARTS = ("SELECT", "WITH", "VALUES", "TABLE")
# Words that make a SELECT write or lock: SELECT … INTO, data-modifying WITH, FOR UPDATE.
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "TRUNCATE", "COPY")

_WORD = re.compile(r"[A-Za-z_][A-Za-z_0-9$]*")
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


class RejectedQuery(ValueError):
    """A query the service will not run; the message says why, for the user."""


def checked_select(sql: str) -> str:
    """The query to run (cut at a final semicolon), or RejectedQuery."""
    if len(sql) > MAX_LENGTH:
        raise RejectedQuery(f"the query is {len(sql)} characters long; the limit is {MAX_LENGTH}")
    words, semicolons = code_words(sql)
    if not words:
        raise RejectedQuery("the query is empty")
    end = semicolons[0] if semicolons else len(sql)
    if any(position > end for position, _ in words):
        raise RejectedQuery("only one statement per query (found more after a ';')")
    first = words[0][1]
    if first.upper() not in STARTS:
        raise RejectedQuery(f"only SELECT queries are allowed; this one starts with {first}")
    writes = sorted({word.upper() for _, word in words} & set(WRITES))
    if writes:
        raise RejectedQuery(f"only queries that read are allowed; this one uses {', '.join(writes)}")
    return sql[:end]


def code_words(sql: str) -> tuple[list[tuple[int, str]], list[int]]:
    """The words outside strings, quoted names and comments (with where each starts),
    and where the semicolons are."""
    words: list[tuple[int, str]] = []
    semicolons: list[int] = []
    i, length = 0, len(sql)
    while i < length:
        skipped = _skip_non_code(sql, i)
        if skipped != i:
            i = skipped
            continue
        char = sql[i]
        if char == ";":
            semicolons.append(i)
        word = _WORD.match(sql, i) if char.isalpha() or char == "_" else None
        if word is not None:
            words.append((i, word.group()))
            i = word.end()
        else:
            i += 1
    return words, semicolons


def _skip_non_code(sql: str, i: int) -> int:
    """The index after a comment, string or quoted name starting at i; i when there is none."""
    if sql.startswith("--", i):
        end = sql.find("\n", i)
        return len(sql) if end < 0 else end + 1
    if sql.startswith("/*", i):
        return _block_comment_end(sql, i)
    char = sql[i]
    if char in "eE" and sql.startswith("'", i + 1) and not _is_word_char(sql, i - 1):
        return _quoted_end(sql, i + 1, "'", backslashes=True)
    if char in "'\"":
        return _quoted_end(sql, i, char, backslashes=False)
    if char == "$" and not _is_word_char(sql, i - 1):
        tag = _DOLLAR_TAG.match(sql, i)
        if tag is not None:
            end = sql.find(tag.group(), tag.end())
            return len(sql) if end < 0 else end + len(tag.group())
    return i


def _is_word_char(sql: str, i: int) -> bool:
    return i >= 0 and (sql[i].isalnum() or sql[i] in "_$")


def _block_comment_end(sql: str, i: int) -> int:
    """Block comments nest in PostgreSQL."""
    depth = 0
    while i < len(sql):
        if sql.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif sql.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    return len(sql)


def _quoted_end(sql: str, i: int, quote: str, backslashes: bool) -> int:
    """After the closing quote; a doubled quote (and, in E'' strings, \\x) is part of the text."""
    i += 1
    while i < len(sql):
        char = sql[i]
        if backslashes and char == "\\":
            i += 2
        elif char == quote and sql.startswith(quote * 2, i):
            i += 2
        elif char == quote:
            return i + 1
        else:
            i += 1
    return len(sql)
