"""`docker import`: a root filesystem tarball becomes a one-layer image.

The layer is stored uncompressed (media type ...layer.v1.tar), so its digest is its
diff_id and one hashing pass is enough. The tarball may be plain, gzip, bzip2 or xz.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from composer.errors import ImageError
from composer.images import oci
from composer.images.config import DEFAULT_PATH
from composer.images.reference import Reference
from composer.images.staging import CheckedImage, Staging, check_image, host_platform
from composer.images.store import Store
from composer.images.tarextract import safe_parts

_BAD_TAR = "give a tar of the root filesystem (plain, .gz, .bz2 or .xz), as `docker export` or `tar -C rootfs -cf x.tar .` makes"


def import_rootfs(store: Store, tar_path: Path, ref: Reference, changes: Mapping[str, Any] | None = None) -> None:
    """Import `tar_path` as `ref`. `changes` are Docker config keys (Cmd, Entrypoint, Env, …)
    set over the minimal config; Env, if given, replaces the default PATH."""
    what = f"import of {tar_path} as {ref.familiar()}"
    with store.staging() as staging:
        try:
            with _uncompressed(Path(tar_path), what) as stream:
                layer_digest, layer_size = staging.add_stream(stream, what)
            _check_tar(staging.blob_path(layer_digest), what)
        except (EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError, OSError) as exc:
            raise ImageError(f"{what}: cannot read it ({exc})", _BAD_TAR) from None
        layer = oci.Descriptor(oci.OCI_LAYER, layer_digest, layer_size)
        checked = stage_image(staging, layer, _config(layer_digest, tar_path, changes), what)
        store.commit(staging, {ref.key: checked})


def stage_image(staging: Staging, layer: oci.Descriptor, config: dict[str, Any], what: str) -> CheckedImage:
    """Write config and manifest for already staged layers, then check the result."""
    config_blob = staging.add_bytes(oci.canonical_json(config))
    manifest = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST,
        "config": {"mediaType": oci.OCI_CONFIG, "digest": config_blob.digest, "size": config_blob.size},
        "layers": [layer.to_json()],
    }
    manifest_blob = staging.add_bytes(oci.canonical_json(manifest))
    descriptor = oci.Descriptor(oci.OCI_MANIFEST, manifest_blob.digest, manifest_blob.size)
    return check_image(staging, descriptor, what)


def _config(diff_id: str, source: Path, changes: Mapping[str, Any] | None) -> dict[str, Any]:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    os_name, architecture = host_platform()
    return {
        "architecture": architecture,
        "os": os_name,
        "created": now,
        "config": {"Env": [DEFAULT_PATH], **dict(changes or {})},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": now, "created_by": "composer import", "comment": f"imported from {Path(source).name}"}],
    }


@contextmanager
def _uncompressed(path: Path, what: str) -> Iterator[IO[bytes]]:
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise ImageError(f"{what}: cannot open it ({exc.strerror})", "check the path") from None
    with raw:
        magic = raw.read(6)
        raw.seek(0)
        if magic.startswith(b"\x1f\x8b"):
            opener: Any = gzip.GzipFile(fileobj=raw, mode="rb")
        elif magic.startswith(b"BZh"):
            opener = bz2.BZ2File(raw)
        elif magic.startswith(b"\xfd7zXZ\x00"):
            opener = lzma.LZMAFile(raw)
        else:
            yield raw
            return
        with opener as stream:
            yield stream


def _check_tar(layer: Path, what: str) -> None:
    """Read every header: a truncated or non-tar file, or an unsafe name, is refused now."""
    try:
        with tarfile.open(layer, "r:") as tar:
            for member in tar:
                safe_parts(member.name, what)
    except tarfile.TarError as exc:
        raise ImageError(f"{what}: not a valid tar ({exc})", _BAD_TAR) from None
