"""The on-disk image store: import, resolve, layout, refusals that leave it unchanged, remove/prune, locking."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from composer.errors import ImageError
from composer.images import ImageStore
from composer.images.config import DEFAULT_PATH
from tests.support.images import layer_tar, tar_entry, write_oci_archive, write_oci_layout
from tests.support.rootfs import have_busybox, make_busybox_tar

pytestmark = [pytest.mark.needs_root, pytest.mark.skipif(not have_busybox(), reason="busybox-static is not installed")]

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def busybox_tar(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("busybox")
    return make_busybox_tar(workdir / "busybox.tar", workdir)


@pytest.fixture
def store(tmp_path: Path) -> ImageStore:
    return ImageStore(tmp_path / "root")


def snapshot(store: ImageStore) -> dict[str, bytes]:
    """Every file of the store (not the lock, not empty scratch dirs) with its content."""
    files = {}
    for path in sorted(store.root.rglob("*")):
        if path.is_file() and path.name != ".lock":
            files[str(path.relative_to(store.root))] = path.read_bytes()
    return files


def test_import_then_resolve_gives_config_and_layer(store: ImageStore, busybox_tar: Path) -> None:
    image = store.import_rootfs(busybox_tar, "composer-test/busybox:1", {"Cmd": ["sh"], "WorkingDir": "/root"})
    assert image.ref == "docker.io/composer-test/busybox:1"
    assert store.resolve("docker.io/composer-test/busybox:1") == image
    assert image.config.env == (DEFAULT_PATH,)
    assert image.config.cmd == ("sh",)
    assert image.config.entrypoint is None
    assert image.config.working_dir == "/root"
    assert image.config.architecture
    tar_digest = "sha256:" + hashlib.sha256(busybox_tar.read_bytes()).hexdigest()
    assert image.diff_ids == (tar_digest,)
    assert image.layer_digests == (tar_digest,)  # stored uncompressed: digest is the diff_id
    assert image.size == busybox_tar.stat().st_size
    assert [i.ref for i in store.list()] == ["docker.io/composer-test/busybox:1"]


def test_import_without_changes_has_no_cmd(store: ImageStore, busybox_tar: Path) -> None:
    image = store.import_rootfs(busybox_tar, "plain")
    assert image.config.cmd is None
    assert image.config.env == (DEFAULT_PATH,)


def test_store_is_an_oci_layout_other_tools_read(store: ImageStore, busybox_tar: Path) -> None:
    image = store.import_rootfs(busybox_tar, "localhost:5000/app:2", {"Cmd": ["sh"]})
    layout = store.root / "images"
    assert json.loads((layout / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((layout / "index.json").read_text())
    [entry] = index["manifests"]
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "localhost:5000/app:2"
    assert entry["digest"] == image.digest
    for blob in (layout / "blobs" / "sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    inspected = subprocess.run(
        ["skopeo", "inspect", "--config", f"oci:{layout}:localhost:5000/app:2"], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(inspected.stdout)["config"]["Cmd"] == ["sh"]


def test_resolve_unknown_is_one_line_naming_it(store: ImageStore) -> None:
    with pytest.raises(ImageError) as caught:
        store.resolve("nothere:3")
    assert caught.value.one_line().startswith("image nothere:3 is not in the local store")
    assert store.get("nothere:3") is None


def test_pull_policies_use_the_local_image_without_a_registry(store: ImageStore, busybox_tar: Path) -> None:
    store.import_rootfs(busybox_tar, "composer-test/local:1")
    assert store.pull("composer-test/local:1", policy="missing").ref == "docker.io/composer-test/local:1"
    assert store.pull("composer-test/local:1", policy="never").ref == "docker.io/composer-test/local:1"
    with pytest.raises(ImageError, match="composer-test/absent:1 is not in the local store and its pull policy is never"):
        store.pull("composer-test/absent:1", policy="never")


def test_digest_mismatch_is_refused_and_store_unchanged(store: ImageStore, busybox_tar: Path, tmp_path: Path) -> None:
    store.import_rootfs(busybox_tar, "composer-test/busybox:1")
    before = snapshot(store)
    layout = tmp_path / "layout"
    write_oci_layout(layout, "docker.io/composer-test/evil:1", [layer_tar([tar_entry("f", data=b"good")])])
    layer_blob = max((layout / "blobs" / "sha256").iterdir(), key=lambda p: p.stat().st_size)
    layer_blob.write_bytes(layer_blob.read_bytes().replace(b"good", b"evil"))
    with pytest.raises(ImageError, match="does not match its digest"):
        store.load(write_oci_archive(tmp_path / "evil.tar", layout))
    assert snapshot(store) == before
    assert store.get("composer-test/evil:1") is None
    assert list((store.root / "images" / ".tmp").iterdir()) == []


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_rootfs_tarball_is_refused(store: ImageStore, busybox_tar: Path, tmp_path: Path, damage: str) -> None:
    store.import_rootfs(busybox_tar, "composer-test/busybox:1")
    before = snapshot(store)
    bad = tmp_path / "bad.tar"
    data = busybox_tar.read_bytes()
    bad.write_bytes({"truncated": data[: len(data) // 2 + 100], "garbage": os.urandom(5000), "empty": b""}[damage])
    with pytest.raises(ImageError) as caught:
        store.import_rootfs(bad, "composer-test/bad:1")
    line = caught.value.one_line()
    assert str(bad) in line and "\n" not in line
    assert snapshot(store) == before


def test_import_refuses_unsafe_member_names(store: ImageStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tar"
    bad.write_bytes(layer_tar([tar_entry("../escape", data=b"x")]))
    with pytest.raises(ImageError, match="escapes the layer"):
        store.import_rootfs(bad, "composer-test/bad:1")


def test_remove_untags_and_prune_frees_only_unused(store: ImageStore, busybox_tar: Path) -> None:
    one = store.import_rootfs(busybox_tar, "composer-test/a:1", {"Cmd": ["one"]})
    two = store.import_rootfs(busybox_tar, "composer-test/b:1", {"Cmd": ["two"]})
    assert one.diff_ids == two.diff_ids
    store.lowerdirs(one)
    layer_dir = store.layers.layer_dir(one.diff_ids[0])
    blobs = store.root / "images" / "blobs" / "sha256"
    count = len(list(blobs.iterdir()))
    store.remove("composer-test/a:1")
    assert store.get("composer-test/a:1") is None
    assert len(list(blobs.iterdir())) == count  # untag only
    report = store.prune()
    assert (report.blobs, report.layers) == (2, 0)  # a's manifest and config; the shared layer stays
    assert layer_dir.is_dir()
    assert store.resolve("composer-test/b:1") == two
    store.remove("composer-test/b:1")
    report = store.prune()
    assert (report.blobs, report.layers) == (3, 1)
    assert list(blobs.iterdir()) == [] and not layer_dir.exists()
    with pytest.raises(ImageError, match="composer-test/b:1 is not in the local store"):
        store.remove("composer-test/b:1")


def test_prune_removes_scratch_dirs_of_dead_processes_only(store: ImageStore, busybox_tar: Path) -> None:
    store.import_rootfs(busybox_tar, "composer-test/a:1")
    scratch = store.root / "images" / ".tmp"
    abandoned = scratch / "deadbeef"
    abandoned.mkdir()
    (scratch / "deadbeef.lock").touch()  # nobody holds it: its owner died
    with store.store.staging() as live:
        store.prune()
        assert live.path.is_dir()
    assert not abandoned.exists() and not (scratch / "deadbeef.lock").exists()


def test_concurrent_imports_all_land(store: ImageStore, busybox_tar: Path) -> None:
    """Several `compose` processes importing at once: the lock keeps every name."""
    script = (
        "import sys; from composer.images import ImageStore; "
        "ImageStore(sys.argv[1]).import_rootfs(sys.argv[2], sys.argv[3], {'Cmd': [sys.argv[3]]})"
    )
    names = [f"composer-test/parallel:{n}" for n in range(6)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", script, str(store.root), str(busybox_tar), name], env=env) for name in names]
    assert [p.wait(timeout=60) for p in processes] == [0] * len(names)
    assert sorted(i.ref for i in store.list()) == sorted(f"docker.io/{n}" for n in names)
    for name in names:
        assert store.resolve(name).config.cmd == (name,)


def test_damaged_index_is_a_clear_error(store: ImageStore, busybox_tar: Path) -> None:
    store.import_rootfs(busybox_tar, "composer-test/a:1")
    (store.root / "images" / "index.json").write_text("{not json")
    with pytest.raises(ImageError, match="image store index .*index.json is unreadable"):
        store.resolve("composer-test/a:1")


def test_load_of_missing_file_names_it(store: ImageStore, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="does not exist"):
        store.load(tmp_path / "nope.tar")

