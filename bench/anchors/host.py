"""What machine the numbers were taken on, and which versions of every contender."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
from pathlib import Path


def machine_info() -> dict[str, str]:
    return {
        "nproc": str(os.cpu_count()),
        "memory": _memory(),
        "kernel": platform.release(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def tool_versions(extra: dict[str, str]) -> dict[str, str]:
    """Versions of composer, runc and socat; `extra` adds the anchors set up in this run."""
    from composer import __version__

    versions = {
        "composer": __version__,
        "runc": _first_line(["runc", "--version"]),
        "socat": _first_line(["socat", "-V"], contains="socat version"),
    }
    versions.update(extra)
    return versions


def _first_line(command: list[str], contains: str = "") -> str:
    if not shutil.which(command[0]):
        return "not installed"
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    lines = [line.strip() for line in out.splitlines() if contains in line]
    return lines[0] if lines else "unknown"


def _memory() -> str:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()
