"""Which host paths a develop.watch rule covers, and where each lands in the container.

A rule covers a path under its `path` (or that path itself, when it is a file) unless
it is ignored. Ignored, in this order of sources, each with its own base directory:
- editor temp/backup files and `.git/` (always, at any depth);
- the service's build context `.dockerignore` (dockerignore style, as Compose);
- `.dockerignore` and `.gitignore` at the rule's path, when it is a directory;
- the rule's own `ignore:` patterns, relative to the rule's path.
A path is ignored when any one source ignores it. With `include:`, a file must also
match one of those patterns (a pattern or a directory of it); directories always pass,
so that a new directory is walked and its files filtered one by one.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from composer.config.model import Service, WatchRule
from composer.watch.patterns import DOCKERIGNORE, GITIGNORE, Pattern, compile_patterns, matches_path_or_parent

SYNC_ACTIONS = ("sync", "sync+restart", "sync+exec")
RESTART_ACTIONS = ("restart", "sync+restart")

# vim, emacs, JetBrains and our own temp files (a sync into a watched tree must not echo).
EDITOR_PATTERNS = (
    ".git/", "*.swp", "*.swx", "*.swo", "*.swn", "*~", ".#*", r"\#*#", "4913",
    "*___jb_old___", "*___jb_tmp___", ".*.composer-sync-*",
)  # fmt: skip
_EDITOR = compile_patterns(EDITOR_PATTERNS, GITIGNORE)


@dataclass(frozen=True)
class IgnoreSource:
    base: str  # absolute host directory the patterns are relative to
    patterns: tuple[Pattern, ...]
    origin: str  # "editor files", "/ctx/.dockerignore", "develop.watch[0].ignore"

    def ignores(self, path: str, is_dir: bool) -> bool:
        relative = _relative_to(path, self.base)
        return relative is not None and relative != "" and matches_path_or_parent(self.patterns, relative, is_dir)


@dataclass(frozen=True)
class WatchedRule:
    """One develop.watch rule of one service, ready to match host paths."""

    service: str
    index: int  # position in develop.watch, for messages
    rule: WatchRule
    is_file: bool  # the rule's path is a single file
    ignores: tuple[IgnoreSource, ...]
    include: tuple[Pattern, ...]

    @property
    def root(self) -> str:
        return self.rule.path

    @property
    def key_path(self) -> str:
        return f"services.{self.service}.develop.watch[{self.index}]"

    def covers(self, path: str, is_dir: bool) -> bool:
        """Does a change at host `path` (absolute, normalized) trigger this rule?"""
        if self.is_file:
            return path == self.root
        relative = _relative_to(path, self.root)
        if not relative:  # outside, or the watched directory itself
            return False
        if any(source.ignores(path, is_dir) for source in self.ignores):
            return False
        return is_dir or not self.include or matches_path_or_parent(self.include, relative, False)

    def container_path(self, path: str) -> str:
        """Where host `path` (covered by this rule) lives in the container: target + relative."""
        assert self.rule.target is not None
        if self.is_file:
            return self.rule.target
        relative = _relative_to(path, self.root)
        return posixpath.join(self.rule.target, relative) if relative else self.rule.target


def watched_rule(service: Service, index: int, rule: WatchRule) -> WatchedRule:
    """The rule with its ignore files read (the rule's path must exist)."""
    root = os.path.normpath(rule.path)
    rule_at_root = dataclasses.replace(rule, path=root)
    is_file = not os.path.isdir(root)
    sources = [IgnoreSource("/", _EDITOR, "editor files")]
    if service.build is not None:
        sources += _dockerignore_of_context(service)
    if not is_file:
        sources += _ignore_file(root, ".dockerignore", DOCKERIGNORE)
        sources += _ignore_file(root, ".gitignore", GITIGNORE)
    if rule.ignore:
        sources.append(IgnoreSource(root, compile_patterns(rule.ignore), f"develop.watch[{index}].ignore"))
    return WatchedRule(service.name, index, rule_at_root, is_file, tuple(sources), compile_patterns(rule.include))


def _dockerignore_of_context(service: Service) -> list[IgnoreSource]:
    """Compose's choice: <dockerfile>.dockerignore if there is one, else .dockerignore."""
    build = service.build
    assert build is not None
    context = build.context
    if "://" in context or not os.path.isdir(context):
        return []
    if build.dockerfile:
        specific = _ignore_file(context, f"{build.dockerfile}.dockerignore", DOCKERIGNORE)
        if specific:
            return specific
    return _ignore_file(context, ".dockerignore", DOCKERIGNORE)


def _ignore_file(directory: str, name: str, style: str) -> list[IgnoreSource]:
    path = Path(directory) / name
    try:
        text = path.read_text(errors="replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return []
    return [IgnoreSource(os.path.normpath(directory), compile_patterns(text.splitlines(), style), str(path))]


def _relative_to(path: str, base: str) -> str | None:
    """'a/b' for path base/a/b; '' for base itself; None outside base."""
    if path == base:
        return ""
    prefix = base if base.endswith("/") else base + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None
