"""The container's root filesystem: an overlay of image layers plus a private upper dir.

mount/umount are idempotent (mounting what is mounted and unmounting what is not both
succeed), so a half-made container can always be finished or cleaned up. Mount options
must fit one page: when many long lowerdir paths do not, each layer is named by a short
/proc/self/fd/N path of an O_PATH descriptor held open for the mount call.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from composer.errors import RuntimeFailure

MNT_DETACH = 2
MOUNT_OPTIONS_LIMIT = 4000  # the kernel copies one page of options; keep a margin
_FORBIDDEN = (",", ":", "\\")

_libc = ctypes.CDLL(None, use_errno=True)


def is_mounted(target: Path) -> bool:
    target_text = os.path.abspath(target)
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            if _unescape(line.split()[4]) == target_text:
                return True
    return False


def mount_overlay(name: str, lowerdirs: Sequence[str], upper: Path, work: Path, target: Path) -> None:
    """Mount lowerdirs (topmost first) + upper at target, unless it is mounted already."""
    if is_mounted(target):
        return
    for directory in (upper, work, target):
        Path(directory).mkdir(parents=True, exist_ok=True)
    for path in [*lowerdirs, str(upper), str(work)]:
        if any(ch in path for ch in _FORBIDDEN):
            raise RuntimeFailure(f"container {name}: layer path {path} contains ',', ':' or '\\'", "move the data root")
    for path in lowerdirs:
        if not os.path.isdir(path):
            raise RuntimeFailure(f"container {name}: image layer {path} does not exist", "pull or load the image again")
    with _short_lowerdirs(name, lowerdirs) as lower:
        options = f"lowerdir={':'.join(lower)},upperdir={upper},workdir={work}"
        if len(options) > MOUNT_OPTIONS_LIMIT:
            raise RuntimeFailure(f"container {name}: {len(lowerdirs)} image layers are too many to mount")
        _mount(name, "overlay", str(target), "overlay", options)


def umount(name: str, target: Path) -> None:
    """Unmount target if mounted; a busy mount is detached (it goes once its users do)."""
    if not is_mounted(target):
        return
    path = os.fsencode(os.path.abspath(target))
    if _libc.umount2(path, 0) == 0:
        return
    err = ctypes.get_errno()
    if err == errno.EBUSY and _libc.umount2(path, MNT_DETACH) == 0:
        return
    if err == errno.EINVAL:  # raced with another unmount
        return
    raise RuntimeFailure(f"container {name}: cannot unmount {target}: {os.strerror(err)}")


@contextlib.contextmanager
def _short_lowerdirs(name: str, lowerdirs: Sequence[str]) -> Iterator[list[str]]:
    if len(":".join(lowerdirs)) < MOUNT_OPTIONS_LIMIT - 512:
        yield list(lowerdirs)
        return
    fds: list[int] = []
    try:
        for path in lowerdirs:
            try:
                fds.append(os.open(path, os.O_PATH | os.O_DIRECTORY))
            except OSError as exc:
                raise RuntimeFailure(f"container {name}: image layer {path}: {exc.strerror}") from None
        yield [f"/proc/self/fd/{fd}" for fd in fds]
    finally:
        for fd in fds:
            os.close(fd)


def _mount(name: str, source: str, target: str, fstype: str, options: str) -> None:
    result = _libc.mount(source.encode(), os.fsencode(target), fstype.encode(), 0, options.encode())
    if result != 0:
        err = ctypes.get_errno()
        raise RuntimeFailure(
            f"container {name}: overlay mount at {target} failed: {os.strerror(err)}",
            "check that every image layer directory exists and overlayfs is available",
        )


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as \\ooo."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        if field[i] == "\\" and field[i + 1 : i + 4].isdigit() and i + 4 <= len(field):
            out.append(chr(int(field[i + 1 : i + 4], 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)
