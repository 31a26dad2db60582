"""OCI image-spec vocabulary: media types, descriptors and content digests.

Docker's schema2 media types are accepted wherever the OCI ones are, since images
pulled or loaded from Docker sources may keep them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import IO, Any

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

MANIFEST_TYPES = {OCI_MANIFEST, DOCKER_MANIFEST}
INDEX_TYPES = {OCI_INDEX, DOCKER_LIST}
REF_NAME = "org.opencontainers.image.ref.name"
CONTAINERD_NAME = "io.containerd.image.name"  # full name in `docker save` OCI indexes
LAYOUT_VERSION = {"imageLayoutVersion": "1.0.0"}

_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Descriptor:
    """A pointer to a blob: what it is, its digest and its size."""

    media_type: str
    digest: str
    size: int
    annotations: dict[str, str] = field(default_factory=dict)
    platform: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, raw: Any) -> "Descriptor":
        """Raises ValueError when `raw` is not a usable sha256 descriptor."""
        if not isinstance(raw, dict):
            raise ValueError("a descriptor is not an object")
        digest, size = raw.get("digest"), raw.get("size")
        if not isinstance(digest, str) or not is_digest(digest):
            raise ValueError(f"unsupported or malformed digest {digest!r}")
        if not isinstance(size, int) or size < 0:
            raise ValueError(f"descriptor {digest} has no valid size")
        return cls(
            media_type=str(raw.get("mediaType") or ""),
            digest=digest,
            size=size,
            annotations=dict(raw.get("annotations") or {}),
            platform=raw.get("platform"),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform:
            out["platform"] = self.platform
        return out


def is_digest(text: str) -> bool:
    """Only sha256 is supported: it is what every registry and tool writes."""
    return bool(_DIGEST.match(text))


def hex_of(digest: str) -> str:
    return digest.split(":", 1)[1]


def digest_bytes(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(document: Any) -> bytes:
    """Stable bytes for JSON we write ourselves, so equal content gets equal digests."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


class HashingReader:
    """Wraps a binary stream, hashing and counting what is read through it."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        """Read to the end, so the digest covers trailing padding too."""
        while self.read(_CHUNK):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self._hash.hexdigest()


def copy_hashing(source: IO[bytes], target: IO[bytes]) -> tuple[str, int]:
    """Copy a stream, returning its sha256 digest and size."""
    reader = HashingReader(source)
    while chunk := reader.read(_CHUNK):
        target.write(chunk)
    return reader.digest, reader.size


def file_digest(path: str) -> tuple[str, int]:
    with open(path, "rb") as handle:
        reader = HashingReader(handle)
        reader.drain()
    return reader.digest, reader.size
