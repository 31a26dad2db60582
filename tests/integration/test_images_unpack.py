"""Unpacking layers into overlayfs lowerdirs, checked through real overlay mounts."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from composer.errors import ImageError
from composer.images import ImageStore
from tests.support.images import layer_tar, tar_entry, write_oci_archive, write_oci_layout
from tests.support.rootfs import have_busybox, make_busybox_tar

pytestmark = pytest.mark.needs_root

Mount = Callable[[list[Path]], Path]


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "root")


@pytest.fixture
def overlay(tmp_path: Path) -> Iterator[Mount]:
    """mount(lowerdirs) → a read-write overlay of them; every mount is undone afterwards."""
    mounted: list[Path] = []

    def mount(lowerdirs: list[Path]) -> Path:
        base = tmp_path / f"overlay{len(mounted)}"
        upper, work, target = base / "upper", base / "work", base / "merged"
        for path in (upper, work, target):
            path.mkdir(parents=True)
        options = f"lowerdir={':'.join(map(str, lowerdirs))},upperdir={upper},workdir={work}"
        subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(target)], check=True, capture_output=True, timeout=30)
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", str(target)], check=False, capture_output=True, timeout=30)


def load_image(store: ImageStore, tmp_path: Path, name: str, layers: list[bytes], gzip_layers: bool = False) -> str:
    layout = tmp_path / f"layout-{name.replace('/', '_').replace(':', '_')}"
    write_oci_layout(layout, name, layers, gzip_layers=gzip_layers)
    [loaded] = store.load(write_oci_archive(layout.with_suffix(".tar"), layout))
    return loaded


@pytest.mark.skipif(not have_busybox(), reason="busybox-static is not installed")
def test_busybox_unpacks_once_with_links_and_modes(store: ImageStore, tmp_path: Path, overlay: Mount) -> None:
    image = store.import_rootfs(make_busybox_tar(tmp_path / "bb.tar", tmp_path), "composer-test/busybox:1", {"Cmd": ["sh"]})
    [layer] = store.lowerdirs(image)
    assert layer == store.root / "layers" / image.diff_ids[0].split(":")[1]
    busybox = layer / "bin" / "busybox"
    assert busybox.is_file() and os.access(busybox, os.X_OK)
    assert os.readlink(layer / "bin" / "sh") == "busybox"
    assert stat.S_IMODE(os.stat(layer / "tmp").st_mode) == 0o1777
    assert os.stat(layer / "home" / "app").st_uid == 1000
    inode = os.stat(layer).st_ino
    assert store.lowerdirs("composer-test/busybox:1") == [layer] and os.stat(layer).st_ino == inode  # not unpacked again
    merged = overlay([layer])
    result = subprocess.run(["chroot", str(merged), "/bin/sh", "-c", "echo hello from $(basename $(readlink /bin/ls))"], capture_output=True, text=True, timeout=30)
    assert result.stdout.strip() == "hello from busybox"


def test_whiteouts_and_opaque_dirs_work_through_overlay(store: ImageStore, tmp_path: Path, overlay: Mount) -> None:
    base = layer_tar(
        [
            tar_entry("etc", tarfile.DIRTYPE),
            tar_entry("etc/keep", data=b"kept"),
            tar_entry("etc/gone", data=b"deleted in layer 2"),
            tar_entry("opaque", tarfile.DIRTYPE),
            tar_entry("opaque/old1", data=b"hidden"),
            tar_entry("opaque/sub", tarfile.DIRTYPE),
            tar_entry("opaque/sub/old2", data=b"hidden"),
            tar_entry("toplevel-gone", data=b"x"),
        ]
    )
    change = layer_tar(
        [
            tar_entry("etc", tarfile.DIRTYPE),
            tar_entry("etc/.wh.gone"),
            tar_entry(".wh.toplevel-gone"),
            tar_entry("opaque", tarfile.DIRTYPE),
            tar_entry("opaque/.wh..wh..opq"),
            tar_entry("opaque/new", data=b"layer 2"),
        ]
    )
    name = load_image(store, tmp_path, "localhost:5000/whiteouts:1", [base, change], gzip_layers=True)
    lowerdirs = store.lowerdirs(name)
    top = lowerdirs[0]
    whiteout = os.lstat(top / "etc" / "gone")
    assert stat.S_ISCHR(whiteout.st_mode) and whiteout.st_rdev == os.makedev(0, 0)
    assert os.getxattr(top / "opaque", "trusted.overlay.opaque") == b"y"
    assert not (top / "etc" / ".wh.gone").exists()
    merged = overlay(lowerdirs)
    assert (merged / "etc" / "keep").read_bytes() == b"kept"
    assert not os.path.lexists(merged / "etc" / "gone")
    assert not os.path.lexists(merged / "toplevel-gone")
    assert sorted(os.listdir(merged / "opaque")) == ["new"]
    assert (merged / "opaque" / "new").read_bytes() == b"layer 2"


def test_metadata_links_devices_and_xattrs_are_kept(store: ImageStore, tmp_path: Path, overlay: Mount) -> None:
    layer = layer_tar(
        [
            tar_entry("bin", tarfile.DIRTYPE, mode=0o750, uid=2, gid=3, mtime=1_500_000_000),
            tar_entry("bin/tool", data=b"#!/bin/sh\n", mode=0o4755, uid=1000, gid=1001, mtime=1_234_567_890, xattrs={"user.origin": "layer-1"}),
            tar_entry("bin/tool-link", tarfile.LNKTYPE, linkname="bin/tool"),
            tar_entry("bin/alias", tarfile.SYMTYPE, linkname="/bin/tool", uid=5, gid=6),
            tar_entry("dev", tarfile.DIRTYPE),
            tar_entry("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666),
            tar_entry("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o660, gid=6),
            tar_entry("dev/pipe", tarfile.FIFOTYPE, mode=0o620),
            tar_entry("implicit/parent/file", data=b"no dir entries"),
        ]
    )
    [top] = store.lowerdirs(load_image(store, tmp_path, "localhost:5000/meta:1", [layer]))
    tool = os.lstat(top / "bin" / "tool")
    assert (stat.S_IMODE(tool.st_mode), tool.st_uid, tool.st_gid, int(tool.st_mtime)) == (0o4755, 1000, 1001, 1_234_567_890)
    assert os.getxattr(top / "bin" / "tool", "user.origin") == b"layer-1"
    assert os.lstat(top / "bin" / "tool-link").st_ino == tool.st_ino and tool.st_nlink == 2
    alias = os.lstat(top / "bin" / "alias")
    assert os.readlink(top / "bin" / "alias") == "/bin/tool" and (alias.st_uid, alias.st_gid) == (5, 6)
    bin_dir = os.stat(top / "bin")
    assert (stat.S_IMODE(bin_dir.st_mode), bin_dir.st_uid, bin_dir.st_gid, int(bin_dir.st_mtime)) == (0o750, 2, 3, 1_500_000_000)
    null = os.lstat(top / "dev" / "null")
    assert stat.S_ISCHR(null.st_mode) and null.st_rdev == os.makedev(1, 3) and stat.S_IMODE(null.st_mode) == 0o666
    assert stat.S_ISBLK(os.lstat(top / "dev" / "sda").st_mode) and os.lstat(top / "dev" / "sda").st_rdev == os.makedev(8, 0)
    assert stat.S_ISFIFO(os.lstat(top / "dev" / "pipe").st_mode)
    assert (top / "implicit" / "parent" / "file").read_bytes() == b"no dir entries"
    merged = overlay([top])
    assert (merged / "bin" / "tool").read_bytes() == b"#!/bin/sh\n"
    assert stat.S_IMODE(os.stat(merged / "bin" / "tool").st_mode) == 0o4755


@pytest.mark.parametrize(
    ("entries", "reason"),
    [
        ([tar_entry("../outside", data=b"x")], "escapes the layer"),
        ([tar_entry("a/../../outside", data=b"x")], "escapes the layer"),
        ([tar_entry("/outside", data=b"x")], "absolute path"),
        ([tar_entry("link", tarfile.SYMTYPE, linkname="{outside_dir}"), tar_entry("link/outside", data=b"x")], "through the symlink"),
        ([tar_entry("hard", tarfile.LNKTYPE, linkname="../outside")], "escapes the layer"),
        ([tar_entry("link", tarfile.SYMTYPE, linkname="{outside_dir}"), tar_entry("hard", tarfile.LNKTYPE, linkname="link/outside")], "through the symlink"),
    ],
    ids=["dotdot", "nested-dotdot", "absolute", "symlink-parent", "hardlink-dotdot", "hardlink-via-symlink"],
)
def test_path_traversal_is_refused(store: ImageStore, tmp_path: Path, entries: list, reason: str) -> None:
    outside_dir = tmp_path / "outside-dir"
    outside_dir.mkdir()
    (outside_dir / "outside").write_bytes(b"original")
    for info, _ in entries:
        info.linkname = info.linkname.replace("{outside_dir}", str(outside_dir))
    name = load_image(store, tmp_path, "localhost:5000/traversal:1", [layer_tar(entries)])
    with pytest.raises(ImageError, match=reason) as caught:
        store.lowerdirs(name)
    assert "localhost:5000/traversal:1" in caught.value.one_line()
    assert (outside_dir / "outside").read_bytes() == b"original"
    assert not (store.root / "outside").exists() and not (tmp_path / "outside").exists()
    assert [p.name for p in (store.root / "layers").iterdir()] == [".tmp"]
    assert list((store.root / "layers" / ".tmp").iterdir()) == []


def test_layer_not_matching_its_diff_id_is_refused(store: ImageStore, tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    layer = layer_tar([tar_entry("f", data=b"content")])
    write_oci_layout(layout, "localhost:5000/liar:1", [layer], gzip_layers=True)
    config_path = next(p for p in (layout / "blobs" / "sha256").iterdir() if b'"diff_ids"' in p.read_bytes())
    config = json.loads(config_path.read_bytes())
    config["rootfs"]["diff_ids"] = ["sha256:" + "0" * 64]
    _replace_blob(layout, config_path, json.dumps(config).encode())
    [name] = store.load(write_oci_archive(tmp_path / "liar.tar", layout))
    with pytest.raises(ImageError, match="not its diff_id"):
        store.lowerdirs(name)
    assert [p.name for p in (store.root / "layers").iterdir()] == [".tmp"]


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd is not installed")
def test_zstd_layers_unpack_with_the_zstd_program(store: ImageStore, tmp_path: Path) -> None:
    layer = layer_tar([tar_entry("hello", data=b"zstd")])
    layout = tmp_path / "layout"
    write_oci_layout(layout, "localhost:5000/zstd:1", [layer])
    blob = next(p for p in (layout / "blobs" / "sha256").iterdir() if p.read_bytes() == layer)
    compressed = subprocess.run(["zstd", "-q", "-c"], input=layer, capture_output=True, check=True, timeout=30).stdout
    _replace_blob(layout, blob, compressed, media_type="application/vnd.oci.image.layer.v1.tar+zstd")
    [name] = store.load(write_oci_archive(tmp_path / "zstd.tar", layout))
    [top] = store.lowerdirs(name)
    assert (top / "hello").read_bytes() == b"zstd"


def _replace_blob(layout: Path, old: Path, data: bytes, media_type: str | None = None) -> None:
    """Swap one blob of a hand-made layout for new bytes, fixing the manifest and index digests."""
    blobs = layout / "blobs" / "sha256"
    new_hex = hashlib.sha256(data).hexdigest()
    (blobs / new_hex).write_bytes(data)
    old.unlink()
    index = json.loads((layout / "index.json").read_text())
    manifest_path = blobs / index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads(manifest_path.read_text())
    for descriptor in [manifest["config"], *manifest["layers"]]:
        if descriptor["digest"] == f"sha256:{old.name}":
            descriptor.update(digest=f"sha256:{new_hex}", size=len(data), **({"mediaType": media_type} if media_type else {}))
    manifest_bytes = json.dumps(manifest).encode()
    manifest_path.unlink()
    manifest_hex = hashlib.sha256(manifest_bytes).hexdigest()
    (blobs / manifest_hex).write_bytes(manifest_bytes)
    index["manifests"][0].update(digest=f"sha256:{manifest_hex}", size=len(manifest_bytes))
    (layout / "index.json").write_text(json.dumps(index))
