"""Where a path inside a container is on the host, and whom its new files belong to (the
runc driver's answer to `container_files`, which `compose watch` syncs through).

A container's root filesystem is its overlay mount (ContainerPaths.rootfs): writing
there is writing into the container. A path under a bind or volume mount lives in the
mount's host directory instead (the overlay below it is hidden in the container).
Both come from the container's config.json, which the runtime wrote at create time, as
does the owner: process.user, resolved then against the image's /etc/passwd and
/etc/group (runtime/users.py).

Every join goes through securejoin, so a symlink in the container (`/app -> /`) or a
`..` cannot lead outside the container's root or the mount's directory.
"""

from __future__ import annotations

import json
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path

from composer.runtime.layout import ContainerPaths
from composer.runtime.securejoin import secure_join
from composer.errors import ComposerError


@dataclass(frozen=True)
class MountPoint:
    destination: str  # normalized container path
    kind: str  # bind (binds and volumes) | tmpfs | proc | sysfs | …
    source: str  # host directory for binds
    read_only: bool


@dataclass(frozen=True)
class ContainerFiles:
    name: str
    rootfs: Path
    mounts: tuple[MountPoint, ...]  # deepest destination first
    uid: int
    gid: int

    @classmethod
    def of(cls, name: str) -> ContainerFiles:
        paths = ContainerPaths.for_name(name)
        try:
            config = json.loads(paths.config_json.read_text())
        except (OSError, ValueError) as exc:
            raise ComposerError(f"container {name}: cannot read its configuration ({exc})", "recreate it with compose up") from None
        user = config.get("process", {}).get("user", {})
        mounts = [_mount_point(m) for m in config.get("mounts", [])]
        mounts.sort(key=lambda m: len(m.destination), reverse=True)
        return cls(name, paths.rootfs, tuple(mounts), int(user.get("uid", 0)), int(user.get("gid", 0)))

    def check_target(self, container_path: str, what: str) -> None:
        """Refuse a target that sync cannot write: on a tmpfs/proc/… or a read-only mount."""
        mount = self._mount_for(container_path)
        if mount is None:
            return
        if mount.kind != "bind":
            raise ComposerError(f"{what}: {container_path} is on a {mount.kind} mount at {mount.destination} in container {self.name}, which sync cannot reach", "choose a target on the container's filesystem or a bind mount")
        if mount.read_only:
            raise ComposerError(f"{what}: {container_path} is on the read-only mount {mount.destination} in container {self.name}", "make the mount writable or choose another target")

    def host_path(self, container_path: str) -> Path:
        """The host path of container_path (which need not exist yet)."""
        root, inside = self._root_for(container_path)
        return secure_join(root, inside)

    def entry(self, container_path: str, make_parents: bool = False) -> Path:
        """Host path of the entry at container_path, its last component not followed.

        The parent is resolved inside the container (made if asked, owned by the
        container's user); a mount point is its mount's host directory.
        """
        path = posixpath.normpath(container_path)
        if self.mount_point(path) is not None:
            return self._root_for(path)[0]
        parent = posixpath.dirname(path)
        directory = self.make_dir(parent) if make_parents else self.host_path(parent)
        return directory / posixpath.basename(path)

    def mount_point(self, container_path: str) -> MountPoint | None:
        """The mount whose destination is exactly container_path."""
        path = posixpath.normpath(container_path)
        return next((m for m in self.mounts if m.destination == path), None)

    def make_dir(self, container_path: str) -> Path:
        """mkdir -p inside the container (symlinks resolved in it first); its host path."""
        root, inside = self._root_for(container_path)
        target = secure_join(root, inside)
        current = root
        for part in target.relative_to(root).parts:
            current = current / part
            if not current.is_dir():
                current.mkdir(mode=0o755)
                os.chown(current, self.uid, self.gid)
        return target

    def _root_for(self, container_path: str) -> tuple[Path, str]:
        mount = self._mount_for(container_path)
        if mount is None:
            return self.rootfs, container_path
        if mount.kind != "bind" or mount.read_only:
            self.check_target(container_path, f"container {self.name}")
        return Path(mount.source), posixpath.relpath(container_path, mount.destination)

    def _mount_for(self, container_path: str) -> MountPoint | None:
        path = posixpath.normpath(container_path)
        for mount in self.mounts:
            if path == mount.destination or path.startswith(mount.destination.rstrip("/") + "/"):
                return mount
        return None


def _mount_point(entry: dict) -> MountPoint:
    options = entry.get("options", [])
    kind = "bind" if "bind" in options or "rbind" in options or entry.get("type") == "bind" else entry.get("type", "?")
    return MountPoint(posixpath.normpath(entry["destination"]), kind, entry.get("source", ""), "ro" in options)

