"""Images for tests: a busybox image made from busybox-static, in the session's store.

Use the fixtures by listing this module as a plugin (in a conftest or test module):

    pytest_plugins = ["tests.support.images"]

    def test_x(busybox_ref):            # "composer-test/busybox:1", already in the store
        ImageStore().resolve(busybox_ref)

or call busybox_image(store, name) directly for another name. The store is the default
ImageStore(), i.e. under the session's private COMPOSER_ROOT set by tests/conftest.py.
Below, helpers that write OCI layouts and archives by hand, for layers no tool makes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import tempfile
from pathlib import Path

import pytest

from composer.images import ImageStore
from tests.support.rootfs import have_busybox, make_busybox_tar

BUSYBOX_REF = "composer-test/busybox:1"
BUSYBOX_CONFIG = {"Cmd": ["sh"]}  # as Docker Hub's busybox


def busybox_image(store: ImageStore, name: str = BUSYBOX_REF) -> str:
    """Import a busybox rootfs as `name` unless it is there already; returns `name`."""
    if store.get(name) is None:
        with tempfile.TemporaryDirectory(prefix="composer-busybox-") as workdir:
            tar = make_busybox_tar(Path(workdir) / "busybox.tar", Path(workdir))
            store.import_rootfs(tar, name, BUSYBOX_CONFIG)
    return name


@pytest.fixture(scope="session")
def image_store() -> ImageStore:
    return ImageStore()


@pytest.fixture(scope="session")
def busybox_ref(image_store: ImageStore) -> str:
    if not have_busybox():
        pytest.skip("busybox-static is not installed")
    return busybox_image(image_store)


# --- Hand-made OCI images, for layers no tool would produce (whiteouts, traversal, …) ---


def tar_entry(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", **fields: object) -> tuple[tarfile.TarInfo, bytes]:
    """One layer member: tar_entry("a/f", data=b"x", mode=0o4755, uid=1000, xattrs={"user.k": "v"})."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    info.mtime = 1_600_000_000
    xattrs = fields.pop("xattrs", None) or {}
    for key, value in fields.items():
        setattr(info, key, value)
    info.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in dict(xattrs).items()}  # type: ignore[attr-defined]
    info.size = len(data) if kind in (tarfile.REGTYPE, tarfile.AREGTYPE) else 0
    return info, data


def layer_tar(entries: list[tuple[tarfile.TarInfo, bytes]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return out.getvalue()


def write_oci_layout(layout: Path, name: str, layers: list[bytes], gzip_layers: bool = False, config: dict | None = None) -> str:
    """An OCI image layout holding one image called `name` (full ref); returns the manifest digest."""
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def put(data: bytes) -> dict[str, object]:
        digest = hashlib.sha256(data).hexdigest()
        (blobs / digest).write_bytes(data)
        return {"digest": f"sha256:{digest}", "size": len(data)}

    diff_ids = [f"sha256:{hashlib.sha256(layer).hexdigest()}" for layer in layers]
    stored = [gzip.compress(layer, mtime=0) if gzip_layers else layer for layer in layers]
    layer_type = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gzip_layers else "")
    document = {"architecture": "amd64", "os": "linux", "config": config or {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **put(json.dumps(document).encode())},
        "layers": [{"mediaType": layer_type, **put(data)} for data in stored],
    }
    manifest_blob = put(json.dumps(manifest).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", **manifest_blob, "annotations": {"org.opencontainers.image.ref.name": name}}],
    }
    (layout / "index.json").write_text(json.dumps(index))
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return str(manifest_blob["digest"])


def write_oci_archive(archive: Path, layout: Path) -> Path:
    """An oci-archive: the layout's files at the root of a tar."""
    with tarfile.open(archive, "w") as tar:
        for entry in sorted(layout.iterdir()):
            tar.add(entry, arcname=entry.name)
    return archive
