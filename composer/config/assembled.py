"""The hand-over between the two halves of loading.

assemble.py (files, .env, interpolation, merge, extends, include) produces an
Assembled; build.py (validation, normalization, profiles) turns it into a Project.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from composer.config.source import MarkedDict


@dataclass
class Assembled:
    files: list[str]  # the compose files read, in merge order ("-" for stdin)
    project_dir: Path  # absolute; relative paths in the model resolve against it
    project_name: str  # already normalized as Compose does
    environment: dict[str, str]  # process environment over .env/--env-file values
    data: MarkedDict  # merged and interpolated; !reset/!override applied; x- keys still present
    active_profiles: tuple[str, ...] = ()  # --profile or COMPOSE_PROFILES
    requested_services: tuple[str, ...] = ()  # named on the command line: their profiles turn on
    warnings: list[str] = field(default_factory=list)  # e.g. unset variables, one line each
