"""user:/group_add: resolution against a rootfs's passwd and group files; secure_join."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.runtime.securejoin import secure_join
from composer.runtime.users import ProcessUser, UserLookupError, resolve_user

PASSWD = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n# comment\nbroken-line\n"
GROUP = "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nstaff:x:50:app\n"


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    (tmp_path / "etc" / "group").write_text(GROUP)
    return tmp_path


@pytest.mark.parametrize(
    ("user", "group_add", "expected"),
    [
        ("", (), ProcessUser(0, 0, (), "/root")),
        ("app", (), ProcessUser(1000, 1000, (2000, 50), "/home/app")),
        ("1000", (), ProcessUser(1000, 1000, (2000, 50), "/home/app")),
        ("app:staff", (), ProcessUser(1000, 50, (), "/home/app")),  # explicit group: no memberships
        ("app:77", ("extra", "9"), ProcessUser(1000, 77, (2000, 9), "/home/app")),
        ("4242", (), ProcessUser(4242, 0, (), "/")),  # unknown numeric uid: allowed, gid 0
        ("4242:4343", ("staff",), ProcessUser(4242, 4343, (50,), "/")),
    ],
)
def test_resolve_user(rootfs: Path, user: str, group_add: tuple[str, ...], expected: ProcessUser) -> None:
    assert resolve_user(rootfs, user, group_add) == expected


@pytest.mark.parametrize(
    ("user", "group_add", "message"),
    [
        ("ghost", (), "user 'ghost' is not in the image's /etc/passwd"),
        ("app:ghosts", (), "group 'ghosts' is not in the image's /etc/group"),
        ("app", ("nobody-group",), "group 'nobody-group' is not in the image's /etc/group"),
    ],
)
def test_unknown_names(rootfs: Path, user: str, group_add: tuple[str, ...], message: str) -> None:
    with pytest.raises(UserLookupError, match=message):
        resolve_user(rootfs, user, group_add)


def test_image_without_passwd_allows_numeric_only(tmp_path: Path) -> None:
    assert resolve_user(tmp_path, "33:33") == ProcessUser(33, 33, (), "/")
    with pytest.raises(UserLookupError):
        resolve_user(tmp_path, "www-data")


def test_passwd_symlink_cannot_escape_the_rootfs(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "passwd").write_text("evil:x:0:0::/:/bin/sh\n")
    (root / "etc" / "passwd").symlink_to("../../outside/passwd")
    with pytest.raises(UserLookupError):
        resolve_user(root, "evil")


@pytest.mark.parametrize(
    ("links", "path", "expected"),
    [
        ({}, "/a/b", "a/b"),
        ({"a": "/x"}, "/a/b", "x/b"),
        ({"a": "../../.."}, "/a/b", "b"),
        ({"a": "x", "x": "/y/../z"}, "/a", "z"),
    ],
)
def test_secure_join(tmp_path: Path, links: dict[str, str], path: str, expected: str) -> None:
    for name, target in links.items():
        (tmp_path / name).symlink_to(target)
    assert secure_join(tmp_path, path) == tmp_path / expected


def test_secure_join_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError, match="too many symlinks"):
        secure_join(tmp_path, "/a")
