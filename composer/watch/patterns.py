"""Ignore-file patterns (gitignore and .dockerignore syntax) compiled to regular expressions.

Syntax: `*` any run of characters but `/`, `?` one such character, `[a-z]` / `[!a-z]`
classes, `\\` escapes, `**` any number of directories; a leading `!` re-includes, a
trailing `/` matches directories only. The last pattern that matches decides.

Two anchoring styles:
- gitignore: a pattern with no `/` but a trailing one (`*.pyc`, `node_modules/`) matches
  at any depth; one with a `/` (`src/*.py`, `/build`) is relative to the base dir.
- dockerignore: every pattern is relative to the base dir (what Docker and Compose do
  with a .dockerignore: `node_modules` there means only the top-level one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

GITIGNORE = "gitignore"
DOCKERIGNORE = "dockerignore"


@dataclass(frozen=True)
class Pattern:
    text: str  # as written, for messages
    regex: re.Pattern[str]
    negated: bool
    directories_only: bool

    def matches(self, relative: str, is_dir: bool) -> bool:
        if self.directories_only and not is_dir:
            return False
        return self.regex.fullmatch(relative) is not None


def compile_pattern(text: str, style: str = GITIGNORE) -> Pattern | None:
    """One line of an ignore file; None for blanks and comments."""
    line = text.strip()
    if not line or line.startswith("#"):
        return None
    negated = line.startswith("!")
    body = line[1:].strip() if negated else line
    directories_only = body.endswith("/") and style == GITIGNORE
    body = body.rstrip("/")
    while body.startswith("./"):
        body = body[2:]
    anchored = style == DOCKERIGNORE or "/" in body
    body = body.lstrip("/")
    if not body:
        return None
    prefix = "" if anchored else "(?:.*/)?"
    return Pattern(line, re.compile(prefix + _translate(body)), negated, directories_only)


def compile_patterns(lines: Iterable[str], style: str = GITIGNORE) -> tuple[Pattern, ...]:
    compiled = (compile_pattern(line, style) for line in lines)
    return tuple(p for p in compiled if p is not None)


def decide(patterns: Iterable[Pattern], relative: str, is_dir: bool) -> bool | None:
    """True: matched (last match not negated); False: re-included by `!`; None: no match."""
    verdict = None
    for pattern in patterns:
        if pattern.matches(relative, is_dir):
            verdict = not pattern.negated
    return verdict


def matches_path_or_parent(patterns: tuple[Pattern, ...], relative: str, is_dir: bool) -> bool:
    """Is `relative` (a/b/c) matched, or inside a matched directory (a, a/b)?

    As git does, a file inside an excluded directory cannot be re-included.
    """
    parts = relative.split("/")
    for depth in range(1, len(parts)):
        if decide(patterns, "/".join(parts[:depth]), True):
            return True
    return bool(decide(patterns, relative, is_dir))


def _translate(body: str) -> str:
    """A slash-separated glob → regex source (no anchors; the caller full-matches)."""
    segments = body.split("/")
    out: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:.*/)?")
            continue
        out.append(_translate_segment(segment) + ("" if last else "/"))
    return "".join(out)


def _translate_segment(segment: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            while i + 1 < len(segment) and segment[i + 1] == "*":
                i += 1  # `a**b` inside a segment is just `*`
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "\\" and i + 1 < len(segment):
            i += 1
            out.append(re.escape(segment[i]))
        elif char == "[":
            end, cls = _character_class(segment, i)
            out.append(cls)
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _character_class(segment: str, start: int) -> tuple[int, str]:
    """`[abc]`, `[!a-z]`, `[^a]` from start (the `[`) → (index of `]`, regex); a lone `[` is literal."""
    i = start + 1
    negate = i < len(segment) and segment[i] in "!^"
    if negate:
        i += 1
    body_start = i
    if i < len(segment) and segment[i] == "]":
        i += 1  # `[]a]`: a leading ] is a member
    while i < len(segment) and segment[i] != "]":
        i += 1
    if i >= len(segment):
        return start, re.escape("[")
    members = "".join("\\" + c if c in "\\^[]" else c for c in segment[body_start:i])
    return i, f"[{'^/' if negate else ''}{members}]"
