"""The container's cgroup directories, for what runc does not do: report a freeze, and
remove leftovers when runc's own state was lost (a crash between create and delete).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from composer.shim.cgroupfs import cgroup_mounts, controller_dir

RMDIR_TIMEOUT = 2.0


def container_cgroup_dirs(cgroup_path: str) -> list[Path]:
    """Existing dirs of cgroup_path in every hierarchy, children before parents."""
    found: list[Path] = []
    for mount in cgroup_mounts():
        top = Path(mount.mount_point) / cgroup_path.lstrip("/")
        if top.is_dir():
            found += sorted((Path(d) for d, _, _ in os.walk(top)), key=lambda p: -len(p.parts))
    return found


def remove_cgroup_dirs(cgroup_path: str) -> list[str]:
    """Kill what is left in the container's cgroups and rmdir them; returns dirs that stayed."""
    stuck = []
    for directory in container_cgroup_dirs(cgroup_path):
        _kill_members(directory)
        if not _rmdir_patiently(directory):
            stuck.append(str(directory))
    return stuck


def is_frozen(cgroup_path: str) -> bool:
    found = controller_dir("freezer", cgroup_path)
    if found:
        return _read(Path(found[0]) / "freezer.state") == "FROZEN"
    for mount in cgroup_mounts():
        if mount.version == 2:
            events = _read(Path(mount.mount_point) / cgroup_path.lstrip("/") / "cgroup.events")
            return "frozen 1" in events.splitlines()
    return False


def _kill_members(directory: Path) -> None:
    for pid in _read(directory / "cgroup.procs").split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass


def _rmdir_patiently(directory: Path) -> bool:
    """Killed processes leave their cgroup a moment after the signal: retry briefly."""
    deadline = time.monotonic() + RMDIR_TIMEOUT
    while True:
        try:
            directory.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""
