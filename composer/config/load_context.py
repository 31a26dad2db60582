"""What loading one project's files needs to know, shared by assemble.py and include.py.

A LoadSession is shared by every project one assemble() loads (the main one and the
included ones); a LoadContext says how to load the files of one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.config.discover import display_path
from composer.config.source import MarkedDict, Source
from composer.errors import Problem


@dataclass
class LoadSession:
    """What every context of one assemble() shares."""

    cwd: str
    interpolate: bool
    home: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)  # absolute path → parsed file
    loaded: dict[tuple[str, str, int], MarkedDict] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadContext:
    """How to load the files of one project (the main one or an included one)."""

    session: LoadSession
    environment: dict[str, str]
    work_dir: Path  # relative paths in this project's files resolve against it
    include_chain: tuple[str, ...] = ()  # the files that include the one being loaded, outermost first

    @property
    def problems(self) -> list[Problem]:
        return self.session.problems

    @property
    def warnings(self) -> list[str]:
        return self.session.warnings

    def label(self, path: str) -> str:
        return display_path(path, self.session.cwd)
