"""`compose cp` and `compose export` on runc: a container's files as tar streams, both ways.

A running container's files are read and written through /proc/<pid>/root, which sees its
volumes, binds and tmpfs as it does. A stopped one's are its overlay rootfs (mounted on the
host from create to remove), with its bind mounts (volumes are binds here) mapped back to
their host directories from the bundle's config.json. Every container path is resolved
with secure_join, so a symlink in the container cannot lead a copy out of its root.
`export` is the rootfs alone, as Docker's is: image layers plus the writable layer.
"""

from __future__ import annotations

import os
import posixpath
import tarfile
from pathlib import Path
from typing import BinaryIO

from composer.errors import ComposerError
from composer.runtime.layout import ContainerPaths
from composer.runtime.securejoin import secure_join

SKIPPED_IN_EXPORT = ("proc", "sys", "dev")  # kernel filesystems' mount points: empty dirs in Docker's export


def copy_out(state, path: str, out: BinaryIO, follow_link: bool = False, arcname: str | None = None) -> None:
    """A tar of `path` (its last component is the archive's root, or `arcname`) written to out."""
    host = _host_path(state, path, follow_link)
    if not os.path.lexists(host):
        raise ComposerError(f"Could not find the file {path} in container {state.name}")
    name = arcname if arcname is not None else (posixpath.basename(path.rstrip("/")) or "/")
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.add(str(host), arcname=name, recursive=True)


def path_kind(state, path: str) -> str | None:
    host = _host_path(state, path, follow_link=True)
    if not os.path.lexists(host):
        return None
    return "dir" if host.is_dir() else "file"


def copy_in(state, path: str, archive: BinaryIO, as_user: bool = False) -> None:
    """Extract the tar into the container's directory `path`. Each member's place is resolved
    in the container (symlinks met stay inside it). Owners are the archive's, as Docker keeps
    them; as_user (`cp -a`) makes them the container's user, when it has one (Docker's rule)."""
    root = _root(state, path)
    owner = _container_user(state.name) if as_user else None
    if path_kind(state, path) != "dir":
        raise ComposerError(f"Could not find the file {path} in container {state.name}", "the destination must be an existing directory")
    with tarfile.open(fileobj=archive, mode="r|*") as tar:
        for member in tar:
            relative = _safe_name(member.name)
            if relative is None:
                continue
            target = secure_join(root, posixpath.join(path, relative)) if relative else secure_join(root, path)
            if member.islnk():
                _hard_link(root, path, member, target)
                continue
            if owner is not None:
                member.uid, member.gid = owner
            target.parent.mkdir(parents=True, exist_ok=True)
            if member.isdir() and target.is_dir():
                os.chmod(target, member.mode)
                os.lchown(target, member.uid, member.gid)
                continue
            if os.path.lexists(target) and not target.is_dir():
                target.unlink()
            member.name = target.name
            tar.extract(member, path=str(target.parent), numeric_owner=True, filter="fully_trusted")


def export(state, out: BinaryIO) -> None:
    rootfs = ContainerPaths.for_name(state.name).rootfs
    if not os.path.ismount(rootfs):
        raise ComposerError(f"container {state.name}: its filesystem is not mounted", "recreate it with compose up --force-recreate")
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        for entry in sorted(os.listdir(rootfs)):
            tar.add(str(rootfs / entry), arcname=entry, recursive=entry not in SKIPPED_IN_EXPORT)


def _root(state, path: str) -> Path:
    """Where the container's `/` (or, stopped, the bind mount holding `path`) is on the host."""
    if state.status in ("running", "paused") and state.pid:
        return Path(f"/proc/{state.pid}/root")
    rootfs = ContainerPaths.for_name(state.name).rootfs
    if not os.path.ismount(rootfs):
        raise ComposerError(f"container {state.name}: its filesystem is not mounted", "start it, or recreate it with compose up")
    return rootfs


def _host_path(state, path: str, follow_link: bool) -> Path:
    """The host path of a container path; its last component is followed only if follow_link."""
    if not path.startswith("/"):
        path = "/" + path
    root = _root(state, path)
    if state.status not in ("running", "paused"):
        mapped = _through_binds(state.name, path)
        if mapped is not None:
            root, path = mapped
    parent, last = posixpath.split(path.rstrip("/") or "/")
    if follow_link or not last or last in (".", ".."):
        return secure_join(root, path)
    return secure_join(root, parent) / last


def _through_binds(name: str, path: str) -> tuple[Path, str] | None:
    """(bind source, path inside it) when a stopped container's bind mount holds `path`."""
    from composer.drivers.runc.inventory import bundle_mounts

    try:
        mounts = bundle_mounts(str(ContainerPaths.for_name(name).config_json))
    except (OSError, ValueError):
        return None
    best = None
    for mount in mounts:
        destination = mount.get("destination", "").rstrip("/")
        if mount.get("type") == "bind" and destination and (path == destination or path.startswith(destination + "/")):
            if os.path.isdir(mount.get("source", "")) and (best is None or len(destination) > len(best[0])):
                best = (destination, mount["source"])
    if best is None:
        return None
    return Path(best[1]), path[len(best[0]):] or "/"


def _container_user(name: str) -> tuple[int, int] | None:
    """The uid and gid the container's process runs as; None for root (Docker: no User set)."""
    import json

    try:
        user = json.loads(ContainerPaths.for_name(name).config_json.read_text())["process"]["user"]
        uid, gid = int(user.get("uid", 0)), int(user.get("gid", 0))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None if (uid, gid) == (0, 0) else (uid, gid)


def _safe_name(name: str) -> str | None:
    """The member's path relative to the destination; None for one that would leave it."""
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        return None
    return "/".join(parts)


def _hard_link(root: Path, path: str, member: tarfile.TarInfo, target: Path) -> None:
    source_name = _safe_name(member.linkname)
    if source_name is None:
        return
    source = secure_join(root, posixpath.join(path, source_name))
    if os.path.lexists(target):
        target.unlink()
    os.link(source, target)
