"""A private OCI layout where new content lands and is checked before the store sees it.

Pulls (skopeo writes here), loads and imports all fill a Staging area first. Every blob
is hashed and compared with its name or expected digest; `check_image` then walks a
manifest and proves everything it points to is present and intact. Only then does
Store.commit move the verified blobs in, so a failure leaves the store unchanged.
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from composer.errors import ImageError
from composer.images import oci

SUPPORTED_LAYERS = {oci.OCI_LAYER, oci.OCI_LAYER_GZIP, oci.OCI_LAYER_ZSTD, oci.DOCKER_LAYER_GZIP}
_REPULL = "the content is corrupt or incomplete; pull, save or export the image again"


class Staging:
    """An OCI layout in a scratch dir; `verified` maps each checked digest to its size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.verified: dict[str, int] = {}
        (path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)

    def blob_path(self, digest: str) -> Path:
        return self.path / "blobs" / "sha256" / oci.hex_of(digest)

    def add_stream(self, stream: IO[bytes], what: str, expected: str | None = None) -> tuple[str, int]:
        """Copy a blob in, hashing as it goes; a digest other than `expected` is refused."""
        incoming = self.path / f"incoming-{uuid.uuid4().hex}"
        with open(incoming, "wb") as out:
            digest, size = oci.copy_hashing(stream, out)
        if expected is not None and digest != expected:
            incoming.unlink()
            raise ImageError(f"{what}: content does not match its digest {expected} (it hashes to {digest})", _REPULL)
        os.replace(incoming, self.blob_path(digest))
        self.verified[digest] = size
        return digest, size

    def add_bytes(self, data: bytes) -> oci.Descriptor:
        """A blob we made ourselves (manifest, config); the media type is filled in by the caller."""
        digest = oci.digest_bytes(data)
        self.blob_path(digest).write_bytes(data)
        self.verified[digest] = len(data)
        return oci.Descriptor(media_type="", digest=digest, size=len(data))

    def verify(self, descriptor: oci.Descriptor, what: str) -> None:
        """Check a blob somebody else wrote (skopeo, an unpacked archive) against its descriptor."""
        digest = descriptor.digest
        if digest not in self.verified:
            path = self.blob_path(digest)
            if not path.is_file():
                raise ImageError(f"{what}: blob {digest} is missing", _REPULL)
            actual, size = oci.file_digest(str(path))
            if actual != digest:
                raise ImageError(f"{what}: blob {digest} does not match its digest (it hashes to {actual})", _REPULL)
            self.verified[digest] = size
        if self.verified[digest] != descriptor.size:
            raise ImageError(f"{what}: blob {digest} is {self.verified[digest]} bytes, its descriptor says {descriptor.size}", _REPULL)

    def read_json(self, descriptor: oci.Descriptor, what: str) -> Any:
        self.verify(descriptor, what)
        try:
            return json.loads(self.blob_path(descriptor.digest).read_bytes())
        except (ValueError, UnicodeDecodeError):
            raise ImageError(f"{what}: blob {descriptor.digest} is not valid JSON", _REPULL) from None

    def read_index(self, what: str) -> list[oci.Descriptor]:
        """The manifests listed in this layout's index.json."""
        try:
            document = json.loads((self.path / "index.json").read_bytes())
            return [oci.Descriptor.from_json(raw) for raw in document.get("manifests") or []]
        except FileNotFoundError:
            raise ImageError(f"{what}: no index.json in the OCI layout", _REPULL) from None
        except (ValueError, AttributeError) as exc:
            raise ImageError(f"{what}: unreadable index.json ({exc})", _REPULL) from None


@dataclass(frozen=True)
class CheckedImage:
    manifest: oci.Descriptor  # what the store tags: always a single-platform manifest
    diff_ids: tuple[str, ...]
    blobs: frozenset[str]  # every digest the store needs for this image


def check_image(staging: Staging, descriptor: oci.Descriptor, what: str) -> CheckedImage:
    """Verify a manifest and everything it points to; an index is narrowed to this host's platform."""
    document = staging.read_json(descriptor, what)
    if not isinstance(document, dict):
        raise ImageError(f"{what}: manifest {descriptor.digest} is not a JSON object", _REPULL)
    media_type = descriptor.media_type or str(document.get("mediaType") or "")
    if media_type in oci.INDEX_TYPES or "manifests" in document:
        return check_image(staging, pick_platform(document, what), what)
    if media_type and media_type not in oci.MANIFEST_TYPES:
        raise ImageError(f"{what}: unsupported manifest type {media_type}", "only OCI and Docker schema2 images are supported")
    try:
        config_descriptor = oci.Descriptor.from_json(document.get("config"))
        layers = [oci.Descriptor.from_json(raw) for raw in document.get("layers") or []]
    except (ValueError, AttributeError) as exc:
        raise ImageError(f"{what}: malformed manifest ({exc})", _REPULL) from None
    config = staging.read_json(config_descriptor, what)
    diff_ids = _diff_ids(config, what)
    if len(diff_ids) != len(layers):
        raise ImageError(f"{what}: manifest has {len(layers)} layers but config lists {len(diff_ids)} diff_ids", _REPULL)
    for layer in layers:
        if layer.media_type not in SUPPORTED_LAYERS:
            raise ImageError(f"{what}: layer {layer.digest} has unsupported media type {layer.media_type!r}", "composer runs Linux images with tar, tar+gzip or tar+zstd layers")
        staging.verify(layer, what)
    manifest = oci.Descriptor(media_type=media_type or oci.OCI_MANIFEST, digest=descriptor.digest, size=descriptor.size)
    blobs = frozenset([descriptor.digest, config_descriptor.digest, *(layer.digest for layer in layers)])
    return CheckedImage(manifest=manifest, diff_ids=tuple(diff_ids), blobs=blobs)


def host_platform() -> tuple[str, str]:
    machine = platform.machine()
    return "linux", {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}.get(machine, machine)


def pick_platform(document: Any, what: str) -> oci.Descriptor:
    host_os, host_arch = host_platform()
    for raw in document.get("manifests") or []:
        wanted = raw.get("platform") or {}
        if wanted.get("os") == host_os and wanted.get("architecture") == host_arch:
            try:
                return oci.Descriptor.from_json(raw)
            except ValueError as exc:
                raise ImageError(f"{what}: malformed index entry ({exc})", _REPULL) from None
    raise ImageError(f"{what}: no {host_os}/{host_arch} image in its index", "use an image built for this platform")


def _diff_ids(config: Any, what: str) -> list[str]:
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list) or not all(isinstance(d, str) and oci.is_digest(d) for d in diff_ids):
        raise ImageError(f"{what}: config has no valid rootfs.diff_ids", _REPULL)
    return diff_ids
