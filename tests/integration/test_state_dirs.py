"""composer's data root and run dir are root-only (0700), made so or tightened on first use."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs_root


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_roots_are_made_root_only_and_a_loose_one_is_tightened(tmp_path: Path):
    data, run = tmp_path / "data" / "root", tmp_path / "run"
    run.mkdir(mode=0o755)
    run.chmod(0o755)  # as an older composer left it
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n")
    env = dict(os.environ, COMPOSER_ROOT=str(data), COMPOSER_RUN=str(run))
    result = subprocess.run([sys.executable, "-m", "composer", "-p", "nothing", "ps"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert mode(data) == 0o700 and mode(run) == 0o700
