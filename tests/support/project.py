"""Running the `compose` CLI against a throwaway project, as a user would.

Each Project has a unique name, writes its compose.yaml into its own directory and
always runs `down -v --remove-orphans` at teardown (the fixture), so a failing test
leaves no containers, mounts or state behind.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.images import busybox_ref, image_store  # noqa: F401  (fixtures)


class Project:
    def __init__(self, directory: Path, name: str) -> None:
        self.dir = directory
        self.name = name

    def write(self, text: str, filename: str = "compose.yaml") -> None:
        (self.dir / filename).write_text(text)

    def compose(self, *args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "composer", "-p", self.name, *args],
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")},
        )
        if check and result.returncode != 0:
            raise AssertionError(f"compose {' '.join(args)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def ps(self) -> dict[str, dict]:
        """Container name → `ps -a --format json` object."""
        out = self.compose("ps", "-a", "--format", "json", check=True).stdout
        return {row["Name"]: row for row in map(json.loads, out.splitlines())}

    def containers(self):
        from composer.drivers.runc.driver import RuncDriver

        return {state.name: state for state in RuncDriver().containers(self.name)}


@pytest.fixture
def project(tmp_path: Path, busybox_ref: str):  # noqa: F811
    proj = Project(tmp_path, f"t{secrets.token_hex(3)}")
    yield proj
    proj.compose("down", "-v", "--remove-orphans", "-t", "1")


@pytest.fixture
def other_project(project: Project, tmp_path: Path):
    """A second project beside `project` (its own directory and name), taken down after."""
    other = Project(tmp_path / "other", project.name + "o")
    other.dir.mkdir()
    yield other
    other.compose("down", "-v", "--remove-orphans", "-t", "1")
