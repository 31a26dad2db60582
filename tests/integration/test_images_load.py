"""`docker load` of docker-archive and oci-archive tarballs made by skopeo from our own store."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from composer.errors import ImageError
from composer.images import Image, ImageStore
from tests.support.images import busybox_image, layer_tar, tar_entry, write_oci_archive, write_oci_layout
from tests.support.rootfs import have_busybox

pytestmark = [
    pytest.mark.needs_root,
    pytest.mark.skipif(not have_busybox() or shutil.which("skopeo") is None, reason="needs busybox-static and skopeo"),
]

SOURCE = "docker.io/composer-test/busybox:1"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> ImageStore:
    """A store holding the busybox image, which skopeo reads as an OCI layout."""
    store = ImageStore(tmp_path_factory.mktemp("source") / "root")
    busybox_image(store)
    return store


def skopeo_copy(source: ImageStore, destination: str, *extra: str) -> None:
    layout = source.root / "images"
    subprocess.run(["skopeo", "--insecure-policy", "copy", "--quiet", *extra, f"oci:{layout}:{SOURCE}", destination], check=True, capture_output=True, timeout=120)


def same_content(loaded: Image, original: Image) -> bool:
    return loaded.diff_ids == original.diff_ids and loaded.config.cmd == original.config.cmd


def test_docker_archive_with_several_tags(source: ImageStore, tmp_path: Path) -> None:
    archive = tmp_path / "saved.tar"
    skopeo_copy(source, f"docker-archive:{archive}:composer-test/saved:1", "--additional-tag", "localhost:5000/saved:2")
    store = ImageStore(tmp_path / "root")
    assert store.load(archive) == ["docker.io/composer-test/saved:1", "localhost:5000/saved:2"]
    original = source.resolve(SOURCE)
    for name in ("composer-test/saved:1", "localhost:5000/saved:2"):
        assert same_content(store.resolve(name), original)
    [layer] = store.lowerdirs("composer-test/saved:1")
    assert (layer / "bin" / "busybox").is_file()


def test_gzipped_docker_archive_loads(source: ImageStore, tmp_path: Path) -> None:
    archive = tmp_path / "saved.tar"
    skopeo_copy(source, f"docker-archive:{archive}:composer-test/zipped:1")
    zipped = tmp_path / "saved.tar.gz"
    zipped.write_bytes(gzip.compress(archive.read_bytes(), compresslevel=1))
    store = ImageStore(tmp_path / "root")
    assert store.load(zipped) == ["docker.io/composer-test/zipped:1"]


def test_oci_archive_loads_with_its_full_name(source: ImageStore, tmp_path: Path) -> None:
    archive = tmp_path / "image.oci.tar"
    skopeo_copy(source, f"oci-archive:{archive}:localhost:5000/oci/app:3")
    store = ImageStore(tmp_path / "root")
    assert store.load(archive) == ["localhost:5000/oci/app:3"]
    loaded = store.resolve("localhost:5000/oci/app:3")
    assert same_content(loaded, source.resolve(SOURCE))
    assert loaded.layers[0].media_type.endswith("tar+gzip")  # skopeo compressed it
    [layer] = store.lowerdirs(loaded)
    assert (layer / "bin" / "busybox").is_file()


def test_oci_archive_without_a_name_is_refused(source: ImageStore, tmp_path: Path) -> None:
    archive = tmp_path / "unnamed.tar"
    skopeo_copy(source, f"oci-archive:{archive}")
    with pytest.raises(ImageError, match="without a full name"):
        ImageStore(tmp_path / "root").load(archive)


@pytest.mark.parametrize("damage", ["truncated", "flipped-byte", "not-an-archive", "empty-tar"])
def test_corrupt_archives_are_refused_and_store_unchanged(source: ImageStore, tmp_path: Path, damage: str) -> None:
    archive = tmp_path / "saved.tar"
    skopeo_copy(source, f"docker-archive:{archive}:composer-test/saved:1")
    data = bytearray(archive.read_bytes())
    if damage == "truncated":
        data = data[: len(data) * 2 // 3]
    elif damage == "flipped-byte":
        data[len(data) // 2] ^= 0xFF  # inside the busybox layer
    elif damage == "not-an-archive":
        data = bytearray(b"this is not a tar file at all" * 100)
    else:
        with tarfile.open(archive, "w"):
            pass
        data = bytearray(archive.read_bytes())
    archive.write_bytes(bytes(data))
    store = ImageStore(tmp_path / "root")
    busybox_image(store, "composer-test/already:1")
    before = sorted((store.root / "images" / "blobs" / "sha256").iterdir()), (store.root / "images" / "index.json").read_bytes()
    with pytest.raises(ImageError) as caught:
        store.load(archive)
    line = caught.value.one_line()
    assert str(archive) in line and "\n" not in line
    after = sorted((store.root / "images" / "blobs" / "sha256").iterdir()), (store.root / "images" / "index.json").read_bytes()
    assert after == before


def test_hand_made_oci_archive_with_two_images(tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    write_oci_layout(layout, "localhost:5000/first:1", [layer_tar([tar_entry("one", data=b"1")])])
    first_index = (layout / "index.json").read_text()
    write_oci_layout(layout, "localhost:5000/second:1", [layer_tar([tar_entry("two", data=b"2")])])
    merged = json.loads(first_index)
    merged["manifests"] += json.loads((layout / "index.json").read_text())["manifests"]
    (layout / "index.json").write_text(json.dumps(merged))
    store = ImageStore(tmp_path / "root")
    assert store.load(write_oci_archive(tmp_path / "two.tar", layout)) == ["localhost:5000/first:1", "localhost:5000/second:1"]
    assert (store.lowerdirs("localhost:5000/second:1")[0] / "two").read_bytes() == b"2"
