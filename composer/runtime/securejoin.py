"""Join a container path onto a host rootfs without letting symlinks escape it.

An image can hold `/etc -> /host/etc` or `../../..`; every symlink met is resolved
as if the rootfs were `/` (what runc's securejoin does), so the result stays inside.
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_SYMLINKS = 40


def secure_join(root: Path, container_path: str) -> Path:
    """Host path of container_path inside root; missing components are kept as named."""
    root = Path(root)
    pending = [p for p in container_path.split("/") if p]
    resolved: list[str] = []
    links = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = root.joinpath(*resolved, part)
        if candidate.is_symlink():
            links += 1
            if links > MAX_SYMLINKS:
                raise OSError(f"too many symlinks resolving {container_path}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            pending = [p for p in target.split("/") if p] + pending
            continue
        resolved.append(part)
    return root.joinpath(*resolved)


def make_dirs_in_root(root: Path, container_path: str, uid: int = 0, gid: int = 0) -> Path:
    """mkdir -p container_path inside root (new dirs owned by uid:gid); returns the host path."""
    current = ""
    for part in [p for p in container_path.split("/") if p]:
        current += "/" + part
        host = secure_join(root, current)
        if not host.exists():  # a symlink may point at a missing dir: make its parents too
            for missing in reversed([host, *host.parents]):
                if str(missing).startswith(str(root)) and not missing.exists():
                    missing.mkdir(mode=0o755)
                    os.chown(missing, uid, gid)
    return secure_join(root, container_path)
