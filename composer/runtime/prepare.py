"""Host-side work before config.json can be written: bind sources, volume copy-up,
the working dir inside the rootfs, and tini's path.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from composer.errors import RuntimeFailure
from composer.runtime.securejoin import make_dirs_in_root, secure_join
from composer.runtime.spec import ContainerSpec, Mount
from composer.runtime.users import ProcessUser

TINI_CANDIDATES = ("tini-static", "/usr/bin/tini-static", "/usr/local/bin/tini-static")


def prepare_mounts(spec: ContainerSpec, rootfs: Path) -> None:
    for mount in spec.mounts:
        if mount.kind == "bind":
            _ensure_bind_source(spec.name, mount)
        elif mount.kind == "volume":
            _ensure_volume(spec.name, mount, rootfs)


def _ensure_bind_source(name: str, mount: Mount) -> None:
    if os.path.exists(mount.source):
        return
    if not mount.create_host_path:
        raise RuntimeFailure(
            f"container {name}: bind mount source {mount.source} does not exist",
            "create it, or use the short volume syntax that creates it",
        )
    os.makedirs(mount.source, exist_ok=True)


def _ensure_volume(name: str, mount: Mount, rootfs: Path) -> None:
    volume = Path(mount.source)
    if not volume.is_dir():
        raise RuntimeFailure(f"container {name}: volume directory {volume} for {mount.target} does not exist")
    if not mount.copy_up or any(volume.iterdir()):
        return
    image_dir = secure_join(rootfs, mount.target)
    if not image_dir.is_dir() or not any(image_dir.iterdir()):
        return
    # An empty volume starts with the image's files at its target, owners and modes kept.
    result = subprocess.run(["cp", "-a", f"{image_dir}/.", f"{volume}/"], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = result.stderr.strip()
        raise RuntimeFailure(f"container {name}: copying {mount.target} into its volume failed: {reason}")


def ensure_workdir(spec: ContainerSpec, rootfs: Path, user: ProcessUser) -> None:
    """Docker creates a missing working dir, owned by the container's user."""
    if secure_join(rootfs, spec.cwd).exists():
        return
    try:
        make_dirs_in_root(rootfs, spec.cwd, user.uid, user.gid)
    except OSError as exc:
        raise RuntimeFailure(f"container {spec.name}: cannot create working dir {spec.cwd}: {exc}") from None


def find_tini() -> str:
    for candidate in TINI_CANDIDATES:
        path = shutil.which(candidate)
        if path:
            return path
    raise RuntimeFailure("init: true needs tini-static on the host", "install the Debian package tini")
