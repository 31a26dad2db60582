"""`docker load`: images from a docker-archive (`docker save`) or an oci-archive tarball.

The format is told by the archive's content: manifest.json → docker-archive (tried
first: `docker save` since Docker 25 also writes an OCI index, without full names);
index.json + oci-layout → oci-archive. Every image and every name in the archive is
loaded, or nothing is: all blobs are staged and verified before one commit.
"""

from __future__ import annotations

import gzip
import json
import lzma
import re
import tarfile
import zlib
from pathlib import Path
from typing import Any

from composer.errors import ImageError
from composer.images import oci
from composer.images.reference import parse_reference
from composer.images.staging import CheckedImage, Staging, check_image
from composer.images.store import Store

_HEX_NAME = re.compile(r"(?:^|/)([0-9a-f]{64})(?:\.json|\.tar)?$")
_BLOB_NAME = re.compile(r"^blobs/sha256/([0-9a-f]{64})$")
_RESAVE = "save or export the image again; the archive is damaged or not an image archive"
_ARCHIVE_ERRORS = (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError)


def load_archive(store: Store, path: Path) -> list[str]:
    """Load every image of the archive at `path`; returns the names loaded, sorted."""
    what = f"archive {path}"
    if not path.is_file():
        raise ImageError(f"{what} does not exist or is not a file", "check the path")
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {_normalize(m.name): m for m in tar.getmembers()}
            with store.staging() as staging:
                if "manifest.json" in members:
                    tags = _stage_docker_archive(staging, tar, members, what)
                elif "index.json" in members and "oci-layout" in members:
                    tags = _stage_oci_archive(staging, tar, members, what)
                else:
                    raise ImageError(f"{what} is neither a docker-archive nor an oci-archive", "give a file made by `docker save` or `skopeo copy … oci-archive:FILE`")
                store.commit(staging, tags)
    except _ARCHIVE_ERRORS as exc:
        raise ImageError(f"{what} is not a readable tar ({_reason(exc)})", _RESAVE) from None
    return sorted(tags)


def _reason(exc: BaseException) -> str:
    """tarfile's "r:*" lists every method it tried on several lines; one line is enough."""
    text = str(exc)
    if "could not be opened successfully" in text:
        return "not a tar archive, plain or gzip/bzip2/xz-compressed"
    return text.splitlines()[0] if text else type(exc).__name__


def _stage_docker_archive(staging: Staging, tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], what: str) -> dict[str, CheckedImage]:
    entries = _read_json_member(tar, members, "manifest.json", what)
    if not isinstance(entries, list) or not entries:
        raise ImageError(f"{what}: manifest.json lists no images", _RESAVE)
    staged: dict[str, oci.Descriptor] = {}  # member name → blob, for layers shared by several images
    tags: dict[str, CheckedImage] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("RepoTags"):
            raise ImageError(f"{what} holds an image without a name", "tag the image before saving it (docker save NAME:TAG)")
        checked = _stage_docker_image(staging, tar, members, entry, staged, what)
        for name in entry["RepoTags"]:
            tags[parse_reference(name).key] = checked
    return tags


def _stage_docker_image(
    staging: Staging,
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    entry: dict[str, Any],
    staged: dict[str, oci.Descriptor],
    what: str,
) -> CheckedImage:
    config = _stage_member(staging, tar, members, str(entry.get("Config")), staged, what)
    config_document = staging.read_json(oci.Descriptor(oci.OCI_CONFIG, config.digest, config.size), what)
    if not isinstance(config_document, dict):
        raise ImageError(f"{what}: image config {config.digest} is not a JSON object", _RESAVE)
    layers = [_stage_member(staging, tar, members, str(name), staged, what) for name in entry.get("Layers") or []]
    diff_ids = (config_document.get("rootfs") or {}).get("diff_ids") or []
    for layer, diff_id in zip(layers, diff_ids, strict=False):
        if layer.media_type == oci.OCI_LAYER and layer.digest != diff_id:
            raise ImageError(f"{what}: layer {layer.digest} does not match its diff_id {diff_id}", _RESAVE)
    manifest = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST,
        "config": {"mediaType": oci.OCI_CONFIG, "digest": config.digest, "size": config.size},
        "layers": [layer.to_json() for layer in layers],
    }
    blob = staging.add_bytes(oci.canonical_json(manifest))
    return check_image(staging, oci.Descriptor(oci.OCI_MANIFEST, blob.digest, blob.size), what)


def _stage_member(
    staging: Staging,
    tar: tarfile.TarFile,
    members: dict[str, tarfile.TarInfo],
    name: str,
    staged: dict[str, oci.Descriptor],
    what: str,
) -> oci.Descriptor:
    """Copy one archive member into staging; a member named by a hex digest must match it."""
    name = _normalize(name)
    if name not in staged:
        stream = tar.extractfile(members[name]) if name in members else None
        if stream is None:
            raise ImageError(f"{what}: {name!r} is listed in manifest.json but missing", _RESAVE)
        match = _HEX_NAME.search(name)
        digest, size = staging.add_stream(stream, f"{what}: {name}", f"sha256:{match.group(1)}" if match else None)
        staged[name] = oci.Descriptor(_layer_type(staging.blob_path(digest)), digest, size)
    return staged[name]


def _layer_type(blob: Path) -> str:
    with open(blob, "rb") as handle:
        magic = handle.read(4)
    if magic.startswith(b"\x1f\x8b"):
        return oci.OCI_LAYER_GZIP
    if magic == b"\x28\xb5\x2f\xfd":
        return oci.OCI_LAYER_ZSTD
    return oci.OCI_LAYER


def _stage_oci_archive(staging: Staging, tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], what: str) -> dict[str, CheckedImage]:
    for name, member in members.items():
        match = _BLOB_NAME.match(name)
        stream = tar.extractfile(member) if match and member.isfile() else None
        if match and stream is not None:
            staging.add_stream(stream, f"{what}: {name}", f"sha256:{match.group(1)}")
    index = _read_json_member(tar, members, "index.json", what)
    (staging.path / "index.json").write_text(json.dumps(index))
    tags: dict[str, CheckedImage] = {}
    for descriptor in staging.read_index(what):
        name = descriptor.annotations.get(oci.CONTAINERD_NAME) or descriptor.annotations.get(oci.REF_NAME)
        if not name or not ("/" in name or ":" in name):
            label = f"ref.name {name!r}" if name else "no ref.name annotation"
            raise ImageError(f"{what} holds an image without a full name ({label})", "name it when making the archive: skopeo copy … oci-archive:FILE:NAME:TAG")
        tags[parse_reference(name).key] = check_image(staging, descriptor, f"{what}: {name}")
    if not tags:
        raise ImageError(f"{what}: index.json lists no images", _RESAVE)
    return tags


def _read_json_member(tar: tarfile.TarFile, members: dict[str, tarfile.TarInfo], name: str, what: str) -> Any:
    stream = tar.extractfile(members[name])
    try:
        return json.loads(stream.read() if stream else b"")
    except (ValueError, UnicodeDecodeError):
        raise ImageError(f"{what}: {name} is not valid JSON", _RESAVE) from None


def _normalize(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name
