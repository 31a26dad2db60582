"""What the command line (and its environment) says about how to load a project."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LoadOptions:
    files: tuple[str, ...] = ()  # -f, in order; "-" is stdin; empty → COMPOSE_FILE or discovery
    project_directory: str | None = None  # --project-directory
    project_name: str | None = None  # -p
    env_files: tuple[str, ...] = ()  # --env-file, in order; empty → <project dir>/.env
    profiles: tuple[str, ...] = ()  # --profile (COMPOSE_PROFILES is read when empty)
    services: tuple[str, ...] = ()  # services named on the command line (they enable their profiles)
    interpolate: bool = True  # --no-interpolate turns it off
    cwd: str = field(default_factory=os.getcwd)
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    stdin_text: str | None = None  # for "-f -": the CLI reads stdin and passes it here
