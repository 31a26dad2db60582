"""`user:` and `group_add:` resolved against the image's /etc/passwd and /etc/group.

Forms: "" (root), "name", "uid", "name:group", "uid:gid" and mixes. As runc/Docker do:
a numeric uid missing from passwd is allowed (gid 0); a name must exist; supplementary
groups come from /etc/group membership only when no group was given explicitly;
group_add entries (names or gids) are appended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from composer.runtime.securejoin import secure_join


class UserLookupError(ValueError):
    pass


@dataclass(frozen=True)
class ProcessUser:
    uid: int = 0
    gid: int = 0
    additional_gids: tuple[int, ...] = ()
    home: str = "/"


@dataclass(frozen=True)
class _PasswdEntry:
    name: str
    uid: int
    gid: int
    home: str


@dataclass(frozen=True)
class _GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...]


def resolve_user(rootfs: Path, user: str, group_add: Sequence[str] = ()) -> ProcessUser:
    passwd = _read_passwd(rootfs)
    groups = _read_groups(rootfs)
    user_part, _, group_part = (user or "0").partition(":")
    entry = _find_user(passwd, user_part)
    uid = entry.uid if entry else int(user_part)
    gid = entry.gid if entry else 0
    home = entry.home if entry else "/"
    supplementary: list[int] = []
    if group_part:
        gid = _find_group(groups, group_part)
    elif entry:
        supplementary = [g.gid for g in groups if entry.name in g.members]
    supplementary += [_find_group(groups, g) for g in group_add]
    return ProcessUser(uid, gid, tuple(dict.fromkeys(supplementary)), home)


def _find_user(passwd: list[_PasswdEntry], text: str) -> _PasswdEntry | None:
    for entry in passwd:
        if entry.name == text or (text.isdigit() and entry.uid == int(text)):
            return entry
    if text.isdigit():
        return None
    raise UserLookupError(f"user {text!r} is not in the image's /etc/passwd")


def _find_group(groups: list[_GroupEntry], text: str) -> int:
    for entry in groups:
        if entry.name == text:
            return entry.gid
    if text.isdigit():
        return int(text)
    raise UserLookupError(f"group {text!r} is not in the image's /etc/group")


def _read_colon_file(rootfs: Path, path: str, min_fields: int) -> list[list[str]]:
    try:
        text = secure_join(rootfs, path).read_text(errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return []
    rows = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= min_fields and not line.startswith("#"):
            rows.append(fields)
    return rows


def _read_passwd(rootfs: Path) -> list[_PasswdEntry]:
    entries = []
    for f in _read_colon_file(rootfs, "/etc/passwd", 6):
        if f[2].isdigit() and f[3].isdigit():
            entries.append(_PasswdEntry(f[0], int(f[2]), int(f[3]), f[5] or "/"))
    return entries


def _read_groups(rootfs: Path) -> list[_GroupEntry]:
    entries = []
    for f in _read_colon_file(rootfs, "/etc/group", 4):
        if f[2].isdigit():
            entries.append(_GroupEntry(f[0], int(f[2]), tuple(m for m in f[3].split(",") if m)))
    return entries
