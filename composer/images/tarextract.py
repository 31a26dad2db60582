"""Apply one layer tar to an empty directory, in the form overlayfs reads as a lower layer.

Kept: numeric ownership, modes (setuid too), mtimes, SCHILY xattrs, hard links,
symlinks, device nodes and fifos. OCI whiteouts become overlayfs whiteouts:

    dir/.wh.NAME      → dir/NAME as a 0:0 character device
    dir/.wh..wh..opq  → xattr trusted.overlay.opaque="y" on dir

Refused: absolute names, `..` components, writing through a symlink, hard links that
leave the layer. Nothing is ever written outside `root`. Needs root (chown, mknod,
trusted.* xattrs).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import tarfile
from pathlib import Path

from composer.errors import ImageError

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"
_XATTR_PAX = "SCHILY.xattr."
_CHUNK = 1 << 20


class UnsafeMember(ImageError):
    """A tar member that would write outside the layer or through a symlink."""


def extract_layer(tar: tarfile.TarFile, root: Path, what: str) -> None:
    """Extract every member of a streaming tar under `root` (an empty dir)."""
    dir_times: list[tuple[Path, tarfile.TarInfo]] = []
    for member in tar:
        parts = safe_parts(member.name, what)
        if not parts:  # "./": the layer's root dir itself
            _apply_metadata(root, member)
            dir_times.append((root, member))
            continue
        parent = _ensure_parent(root, parts[:-1], member.name, what)
        name = parts[-1]
        if name == OPAQUE_MARKER:
            os.setxattr(parent, OPAQUE_XATTR, b"y")
        elif name.startswith(WHITEOUT_PREFIX):
            _whiteout(parent, name, member.name, what)
        else:
            target = parent / name
            _create(tar, member, target, root, what)
            if member.isdir():
                dir_times.append((target, member))
    # Children change their directory's mtime, so directories get theirs last.
    for path, member in reversed(dir_times):
        _set_mtime(path, member)


def safe_parts(name: str, what: str) -> list[str]:
    """A member name as path components; absolute names and `..` are refused."""
    if name.startswith("/"):
        raise UnsafeMember(f"{what}: tar member {name!r} has an absolute path", "the layer is malformed or malicious; do not use this image")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise UnsafeMember(f"{what}: tar member {name!r} escapes the layer with '..'", "the layer is malformed or malicious; do not use this image")
    return parts


def _ensure_parent(root: Path, parts: list[str], name: str, what: str) -> Path:
    """The member's parent dir, created if missing; a symlink on the way is refused."""
    current = root
    for part in parts:
        current = current / part
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            os.mkdir(current, 0o755)
            continue
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeMember(f"{what}: tar member {name!r} would be written through the symlink {part!r}", "the layer is malformed or malicious; do not use this image")
        if not stat.S_ISDIR(info.st_mode):
            raise UnsafeMember(f"{what}: tar member {name!r} is under {part!r}, which is not a directory", "the layer is malformed; rebuild the image")
    return current


def _whiteout(parent: Path, name: str, member_name: str, what: str) -> None:
    hidden = name[len(WHITEOUT_PREFIX) :]
    if hidden.startswith(WHITEOUT_PREFIX):
        return  # other AUFS metadata (.wh..wh.plnk, …) means nothing to overlayfs
    if hidden in ("", ".", ".."):
        raise UnsafeMember(f"{what}: whiteout {member_name!r} names no file", "the layer is malformed; rebuild the image")
    target = parent / hidden
    _remove_existing(target)
    os.mknod(target, stat.S_IFCHR | 0o000, os.makedev(0, 0))
    os.chown(target, 0, 0, follow_symlinks=False)


def _create(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path, root: Path, what: str) -> None:
    if not (member.isdir() and target.is_dir() and not target.is_symlink()):
        _remove_existing(target)
    if member.isreg():
        _write_file(tar, member, target)
    elif member.isdir():
        if not target.is_dir():
            os.mkdir(target, 0o700)
    elif member.issym():
        os.symlink(member.linkname, target)
    elif member.islnk():
        os.link(_link_source(root, member, what), target, follow_symlinks=False)
        return  # a hard link shares its source's inode and metadata
    elif member.ischr() or member.isblk() or member.isfifo():
        kind = stat.S_IFCHR if member.ischr() else stat.S_IFBLK if member.isblk() else stat.S_IFIFO
        os.mknod(target, kind | 0o600, os.makedev(member.devmajor, member.devminor))
    else:
        raise ImageError(f"{what}: tar member {member.name!r} has unsupported type {member.type!r}", "the layer is malformed; rebuild the image")
    _apply_metadata(target, member)
    if not member.isdir():
        _set_mtime(target, member)


def _write_file(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> None:
    source = tar.extractfile(member)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as out:
        if source is not None:
            shutil.copyfileobj(source, out, _CHUNK)


def _link_source(root: Path, member: tarfile.TarInfo, what: str) -> Path:
    """The file a hard link points at: inside this layer, reached without symlinks."""
    parts = safe_parts(member.linkname, what)
    if not parts:
        raise UnsafeMember(f"{what}: hard link {member.name!r} points at the layer root", "the layer is malformed; rebuild the image")
    source = _ensure_parent(root, parts[:-1], member.linkname, what) / parts[-1]
    try:
        info = os.lstat(source)
    except FileNotFoundError:
        raise ImageError(f"{what}: hard link {member.name!r} points at {member.linkname!r}, which is not in the layer", "the layer is malformed; rebuild the image") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnsafeMember(f"{what}: hard link {member.name!r} points at a directory", "the layer is malformed; rebuild the image")
    return source


def _remove_existing(target: Path) -> None:
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(target)
    else:
        os.unlink(target)


def _apply_metadata(path: Path, member: tarfile.TarInfo) -> None:
    """Owner first: chown clears setuid bits and file capabilities, which come after."""
    os.chown(path, member.uid, member.gid, follow_symlinks=False)
    if not member.issym():
        os.chmod(path, stat.S_IMODE(member.mode))
    for key, value in member.pax_headers.items():
        if not key.startswith(_XATTR_PAX):
            continue
        name = key[len(_XATTR_PAX) :]
        if name.startswith("trusted.overlay."):
            continue  # only our whiteout conversion may speak to overlayfs
        try:
            os.setxattr(path, name, value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP) and not member.issym():
                raise


def _set_mtime(path: Path, member: tarfile.TarInfo) -> None:
    mtime_ns = int(member.mtime * 1_000_000_000)
    os.utime(path, ns=(mtime_ns, mtime_ns), follow_symlinks=False)
