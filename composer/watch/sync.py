"""Copying changed host files into a container, and deleting what the host deleted.

What the host has *now* decides, not the event that announced it: a path that exists
is copied (a directory: made, then walked), a missing one is deleted in the container.
So a burst of create/modify/move/delete events for one path needs one look.

Atomic: a file is written to a temp name in its destination directory, given the
container user's ownership, the source's mode and mtime, then renamed over the target;
a process in the container sees the old file or the new one, never a part. Symlinks
are copied as symlinks, the same way. The last component is never followed (a symlink
in the container at the target is replaced, as `docker cp` does); the parent is
resolved inside the container (securejoin), made if missing, owned by the container
user.
"""

from __future__ import annotations

import os
import posixpath
import secrets
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from composer.drivers.protocol import ContainerFiles

Accepts = Callable[[str, bool], bool]  # (host path, is_dir) → is it part of the rule?
TEMP_MARK = ".composer-sync-"  # rules.py ignores these names, so syncing into a watched tree does not echo


@dataclass
class SyncCount:
    copied: int = 0  # files and symlinks brought up to date
    deleted: int = 0
    unchanged: int = 0  # initial sync: already equal

    @property
    def changed(self) -> int:
        return self.copied + self.deleted


def sync_path(files: ContainerFiles, host_path: str, container_path: str, accepts: Accepts, count: SyncCount, only_changed: bool = False) -> None:
    """Make container_path match host_path now: copy, walk, or delete."""
    try:
        info = os.lstat(host_path)
    except FileNotFoundError:
        _delete(files, container_path, count)
        return
    if stat.S_ISDIR(info.st_mode):
        _sync_dir(files, host_path, container_path, accepts, count, only_changed)
    elif stat.S_ISLNK(info.st_mode):
        _copy_symlink(files, host_path, container_path, count)
    elif stat.S_ISREG(info.st_mode):
        _copy_file(files, host_path, container_path, count, only_changed)
    # sockets, fifos, devices: nothing sensible to copy


def _sync_dir(files: ContainerFiles, host_dir: str, container_dir: str, accepts: Accepts, count: SyncCount, only_changed: bool) -> None:
    dest = _destination(files, container_dir)
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        dest.unlink()
    if not dest.exists():
        files.make_dir(container_dir)
    with os.scandir(host_dir) as entries:
        children = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries)
    for name, is_dir in children:
        child = os.path.join(host_dir, name)
        if accepts(child, is_dir):
            sync_path(files, child, posixpath.join(container_dir, name), accepts, count, only_changed)


def _copy_file(files: ContainerFiles, source: str, container_path: str, count: SyncCount, only_changed: bool) -> None:
    try:
        handle = open(source, "rb")  # noqa: SIM115 - closed below; its fstat is the truth
    except FileNotFoundError:
        _delete(files, container_path, count)
        return
    with handle:
        info = os.fstat(handle.fileno())
        dest = _destination(files, container_path)
        if _same_or_equal(dest, info, only_changed):
            count.unchanged += 1
            return
        _write_atomically(dest, files, info, lambda fd: _copy_bytes(handle.fileno(), fd, info.st_size))
    count.copied += 1


def _copy_symlink(files: ContainerFiles, source: str, container_path: str, count: SyncCount) -> None:
    try:
        link = os.readlink(source)
    except FileNotFoundError:
        _delete(files, container_path, count)
        return
    dest = _destination(files, container_path)
    temp = dest.with_name(f".{dest.name}{TEMP_MARK}{secrets.token_hex(4)}")
    os.symlink(link, temp)
    try:
        os.lchown(temp, files.uid, files.gid)
        _replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    count.copied += 1


def _delete(files: ContainerFiles, container_path: str, count: SyncCount) -> None:
    if files.mount_point(container_path) is not None:
        return  # a mount point is not ours to delete (and its source is a host directory)
    dest = files.entry(container_path)
    if not os.path.lexists(dest):
        return
    if dest.is_dir() and not dest.is_symlink():
        shutil.rmtree(dest)
    else:
        dest.unlink()
    count.deleted += 1


def _destination(files: ContainerFiles, container_path: str) -> Path:
    """Host path to write container_path at: parent resolved (and made) in the container, last part as named."""
    return files.entry(container_path, make_parents=True)


def _same_or_equal(dest: Path, source: os.stat_result, only_changed: bool) -> bool:
    """dest is the source itself (a bind mount of the watched dir), or (initial sync) looks equal."""
    try:
        existing = os.lstat(dest)
    except FileNotFoundError:
        return False
    if (existing.st_dev, existing.st_ino) == (source.st_dev, source.st_ino):
        return True
    return only_changed and stat.S_ISREG(existing.st_mode) and (existing.st_size, existing.st_mtime_ns) == (source.st_size, source.st_mtime_ns)


def _write_atomically(dest: Path, files: ContainerFiles, info: os.stat_result, fill: Callable[[int], None]) -> None:
    temp = dest.with_name(f".{dest.name}{TEMP_MARK}{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        try:
            fill(fd)
            os.fchown(fd, files.uid, files.gid)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))
            os.utime(fd, ns=(info.st_atime_ns, info.st_mtime_ns))
        finally:
            os.close(fd)
        _replace(temp, dest)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _replace(temp: Path, dest: Path) -> None:
    """rename(2) over dest; a directory in the way goes first (rename cannot replace it)."""
    if dest.is_dir() and not dest.is_symlink():
        shutil.rmtree(dest)
    os.replace(temp, dest)


def _copy_bytes(source_fd: int, dest_fd: int, size: int) -> None:
    offset = 0
    while True:
        sent = os.sendfile(dest_fd, source_fd, offset, max(size - offset, 1 << 20))
        if sent == 0:
            return
        offset += sent
