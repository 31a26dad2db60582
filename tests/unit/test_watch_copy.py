"""Syncing host files into a container's filesystem, on plain directories standing in for it.

The "container" is a rootfs dir plus a bind mount's host dir (ContainerFiles built by
hand, as ContainerFiles.of would from config.json); real files, no mocks.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from composer.drivers.runc.container_fs import ContainerFiles, MountPoint
from composer.errors import ComposerError
from composer.watch.sync import TEMP_MARK, SyncCount, sync_path


def everything(path: str, is_dir: bool) -> bool:
    return True


@pytest.fixture
def box(tmp_path: Path):
    """(host source dir, container rootfs, bind mount source for /data, ContainerFiles)."""
    src, rootfs, data = tmp_path / "src", tmp_path / "rootfs", tmp_path / "data"
    for d in (src, rootfs, data, tmp_path / "ro"):
        d.mkdir()
    mounts = (
        MountPoint("/data", "bind", str(data), False),
        MountPoint("/readonly", "bind", str(tmp_path / "ro"), True),
        MountPoint("/dev", "tmpfs", "tmpfs", False),
    )
    files = ContainerFiles("c1", rootfs, mounts, os.getuid(), os.getgid())
    return src, rootfs, data, files


def sync(files: ContainerFiles, host: Path, target: str, only_changed: bool = False) -> SyncCount:
    count = SyncCount()
    sync_path(files, str(host), target, everything, count, only_changed)
    return count


def no_temp_files(root: Path) -> bool:
    return not [p for p in root.rglob("*") if TEMP_MARK in p.name]


def test_a_file_lands_at_target_with_its_mode_and_mtime_and_missing_dirs_made(box):
    src, rootfs, _, files = box
    (src / "run.sh").write_text("echo hi\n")
    os.chmod(src / "run.sh", 0o751)
    os.utime(src / "run.sh", ns=(1_600_000_000_000_000_000, 1_600_000_000_123_456_789))
    count = sync(files, src / "run.sh", "/srv/app/bin/run.sh")
    dest = rootfs / "srv/app/bin/run.sh"
    assert dest.read_text() == "echo hi\n" and count.copied == 1
    assert dest.stat().st_mode & 0o7777 == 0o751
    assert dest.stat().st_mtime_ns == 1_600_000_000_123_456_789
    assert no_temp_files(rootfs)


def test_a_directory_is_walked_and_deletions_follow_the_host(box):
    src, rootfs, _, files = box
    (src / "pkg" / "sub").mkdir(parents=True)
    (src / "pkg" / "a.py").write_text("a")
    (src / "pkg" / "sub" / "b.py").write_text("b")
    os.symlink("a.py", src / "pkg" / "link.py")
    assert sync(files, src / "pkg", "/app/pkg").copied == 3
    assert (rootfs / "app/pkg/sub/b.py").read_text() == "b"
    assert os.readlink(rootfs / "app/pkg/link.py") == "a.py"
    (src / "pkg" / "a.py").unlink()
    assert sync(files, src / "pkg" / "a.py", "/app/pkg/a.py").deleted == 1
    assert not (rootfs / "app/pkg/a.py").exists()
    for p in sorted((src / "pkg").rglob("*"), reverse=True):
        p.unlink() if not p.is_dir() or p.is_symlink() else p.rmdir()
    (src / "pkg").rmdir()
    assert sync(files, src / "pkg", "/app/pkg").deleted == 1
    assert not (rootfs / "app/pkg").exists()


def test_deleting_what_the_container_does_not_have_is_nothing(box):
    src, _, _, files = box
    count = sync(files, src / "gone.txt", "/app/gone.txt")
    assert (count.copied, count.deleted) == (0, 0)


def test_a_target_under_a_bind_mount_goes_to_the_mount_source(box):
    src, rootfs, data, files = box
    (src / "seed.sql").write_text("create table t;")
    sync(files, src / "seed.sql", "/data/init/seed.sql")
    assert (data / "init/seed.sql").read_text() == "create table t;"
    assert not (rootfs / "data").exists()


def test_a_target_that_is_a_mount_point_fills_the_mount_and_is_never_deleted(box):
    src, rootfs, data, files = box
    (rootfs / "data").mkdir()  # the mount point in the image, as the runtime makes it
    (src / "seed").mkdir()
    (src / "seed" / "a.sql").write_text("a")
    sync(files, src / "seed", "/data")
    assert (data / "a.sql").read_text() == "a"
    (src / "seed" / "a.sql").unlink()
    (src / "seed").rmdir()
    assert sync(files, src / "seed", "/data").deleted == 0
    assert data.is_dir() and (rootfs / "data").is_dir()


def test_a_bind_mount_of_the_watched_dir_itself_is_not_copied_onto_itself(tmp_path):
    app, rootfs = tmp_path / "app", tmp_path / "rootfs"
    app.mkdir(), rootfs.mkdir()
    (app / "main.py").write_text("print(1)")
    files = ContainerFiles("c1", rootfs, (MountPoint("/app", "bind", str(app), False),), os.getuid(), os.getgid())
    count = sync(files, app / "main.py", "/app/main.py")
    assert count.copied == 0 and count.unchanged == 1
    assert (app / "main.py").read_text() == "print(1)" and no_temp_files(app)


def test_symlinks_in_the_container_cannot_lead_outside_it(box, tmp_path):
    src, rootfs, _, files = box
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(str(outside), rootfs / "abs")  # /abs -> <host path>, resolved inside the rootfs
    os.symlink("../../../../..", rootfs / "up")
    (src / "f").write_text("x")
    sync(files, src / "f", "/abs/f")
    sync(files, src / "f", "/up/g")
    assert list(outside.iterdir()) == []
    assert (rootfs / str(outside).lstrip("/") / "f").read_text() == "x"
    assert (rootfs / "g").read_text() == "x"


def test_a_symlink_at_the_target_is_replaced_not_followed(box, tmp_path):
    src, rootfs, _, files = box
    victim = rootfs / "etc" / "passwd"
    victim.parent.mkdir()
    victim.write_text("root:x:0:0::/root:/bin/sh\n")
    (rootfs / "app").mkdir()
    os.symlink("/etc/passwd", rootfs / "app" / "config")
    (src / "config").write_text("new config")
    sync(files, src / "config", "/app/config")
    assert victim.read_text() == "root:x:0:0::/root:/bin/sh\n"
    assert not (rootfs / "app/config").is_symlink() and (rootfs / "app/config").read_text() == "new config"


def test_a_file_replaces_a_directory_and_a_directory_replaces_a_file(box):
    src, rootfs, _, files = box
    (rootfs / "app" / "x").mkdir(parents=True)
    (rootfs / "app" / "x" / "old").write_text("old")
    (src / "x").write_text("file now")
    sync(files, src / "x", "/app/x")
    assert (rootfs / "app/x").read_text() == "file now"
    (src / "x").unlink()
    (src / "x").mkdir()
    (src / "x" / "inner").write_text("i")
    sync(files, src / "x", "/app/x")
    assert (rootfs / "app/x/inner").read_text() == "i"


def test_initial_sync_skips_files_that_are_already_equal(box):
    src, _, _, files = box
    (src / "a").write_text("same")
    (src / "b").write_text("b")
    first = sync(files, src, "/app", only_changed=True)
    assert first.copied == 2
    (src / "b").write_text("changed")
    again = sync(files, src, "/app", only_changed=True)
    assert (again.copied, again.unchanged) == (1, 1)


def test_readers_never_see_a_partly_written_file(box):
    src, rootfs, _, files = box
    versions = [bytes([65 + i]) * 2_000_000 for i in range(4)]  # 2 MB each, one letter per version
    (src / "big").write_bytes(versions[0])
    sync(files, src / "big", "/app/big")
    seen: set[bytes] = set()
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            data = (rootfs / "app/big").read_bytes()
            seen.add(data[:1] * len(data) if data == data[:1] * len(data) else b"torn")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(1, 25):
            (src / "big").write_bytes(versions[i % 4])
            sync(files, src / "big", "/app/big")
    finally:
        stop.set()
        reader.join(timeout=30)
    assert b"torn" not in seen and seen <= set(versions)
    assert no_temp_files(rootfs)


@pytest.mark.parametrize(
    "target, words",
    [("/readonly/x", "read-only mount /readonly"), ("/dev/x", "tmpfs mount at /dev")],
)
def test_targets_sync_cannot_write_are_refused_in_one_line(box, target, words):
    _, _, _, files = box
    with pytest.raises(ComposerError) as caught:  # the driver's error; watch reports it as it is
        files.check_target(target, "services.web.develop.watch[0].target")
    assert words in caught.value.one_line() and "\n" not in caught.value.one_line()


@pytest.mark.needs_root
def test_new_files_and_directories_belong_to_the_container_user(tmp_path):
    src, rootfs = tmp_path / "src", tmp_path / "rootfs"
    src.mkdir(), rootfs.mkdir()
    (src / "a.txt").write_text("a")
    files = ContainerFiles("c1", rootfs, (), 1000, 1001)
    sync(files, src / "a.txt", "/home/app/a.txt")
    for path in (rootfs / "home", rootfs / "home/app", rootfs / "home/app/a.txt"):
        assert (path.stat().st_uid, path.stat().st_gid) == (1000, 1001), path
