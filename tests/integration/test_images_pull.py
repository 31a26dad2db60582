"""Pulls through skopeo from a real registry on 127.0.0.1 (Debian's docker-registry, plain HTTP)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.errors import ImageError
from composer.images import ImageStore
from tests.support.images import busybox_image, layer_tar, tar_entry, write_oci_layout
from tests.support.registry import LocalRegistry, have_registry
from tests.support.rootfs import have_busybox

pytestmark = [
    pytest.mark.needs_root,
    pytest.mark.skipif(not have_registry() or not have_busybox(), reason="needs docker-registry, skopeo and busybox-static"),
]

SOURCE = "docker.io/composer-test/busybox:1"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> ImageStore:
    store = ImageStore(tmp_path_factory.mktemp("source") / "root")
    busybox_image(store)
    return store


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    with LocalRegistry(tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="module")
def pushed(registry: LocalRegistry, source: ImageStore) -> str:
    return registry.push_from_layout(source.root / "images", SOURCE, "composer-test/busybox:1")


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "root")


def test_pull_from_local_registry(store: ImageStore, source: ImageStore, pushed: str) -> None:
    image = store.pull(pushed)
    original = source.resolve(SOURCE)
    assert image.ref == pushed
    assert image.diff_ids == original.diff_ids  # same content, re-compressed by skopeo on push
    assert image.config.cmd == ("sh",)
    [layer] = store.lowerdirs(image)
    assert (layer / "bin" / "busybox").is_file()
    assert list((store.root / "images" / ".tmp").iterdir()) == []


def test_pull_by_digest(store: ImageStore, pushed: str) -> None:
    inspected = subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{pushed}"], capture_output=True, text=True, check=True, timeout=60)
    digest = json.loads(inspected.stdout)["Digest"]
    repository = pushed.rsplit(":", 1)[0]
    image = store.pull(f"{repository}@{digest}")
    assert image.digest == digest
    assert store.resolve(f"{repository}@{digest}") == image
    assert store.get(pushed) is None  # pulled by digest only


def test_policies_missing_keeps_local_always_refreshes(store: ImageStore, registry: LocalRegistry, tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    write_oci_layout(layout, "v1", [layer_tar([tar_entry("version", data=b"1")])])
    ref = registry.push_from_layout(layout, "v1", "composer-test/moving:latest")
    first = store.pull(ref)
    write_oci_layout(layout, "v2", [layer_tar([tar_entry("version", data=b"2")])])
    registry.push_from_layout(layout, "v2", "composer-test/moving:latest")
    assert store.pull(ref, policy="missing") == first
    assert store.pull(ref, policy="never") == first
    second = store.pull(ref, policy="always")
    assert second.digest != first.digest
    assert (store.lowerdirs(second)[0] / "version").read_bytes() == b"2"


def test_unknown_image_is_one_line_naming_image_and_registry(store: ImageStore, registry: LocalRegistry) -> None:
    with pytest.raises(ImageError) as caught:
        store.pull(f"{registry.address}/composer-test/nope:1")
    line = caught.value.one_line()
    assert line.startswith(f"cannot pull {registry.address}/composer-test/nope:1 from registry {registry.address}: ")
    assert "manifest unknown" in line or "name unknown" in line
    assert "\n" not in line
    assert store.list() == []
    assert list((store.root / "images" / ".tmp").iterdir()) == []


def test_unreachable_registry_says_so(store: ImageStore) -> None:
    with pytest.raises(ImageError) as caught:
        store.pull("127.0.0.1:1/composer-test/busybox:1")
    assert "connection refused" in caught.value.one_line()
    assert "reachable" in caught.value.hint
