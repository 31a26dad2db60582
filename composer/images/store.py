"""The image store: one OCI image layout at <data_root>/images, shared by every `compose`.

    images/oci-layout            {"imageLayoutVersion": "1.0.0"}
    images/index.json            one manifest descriptor per name, annotated with
                                 org.opencontainers.image.ref.name = docker.io/library/busybox:latest
    images/blobs/sha256/<hex>    manifests, configs, layers: content-addressed, verified before entry
    images/.lock                 flock held by whoever changes index.json or blobs
    images/.tmp/                 staging layouts (see scratch.py, staging.py)

Readers never lock: index.json is only ever replaced whole (write, fsync, rename).
Writers (commit, untag, prune) hold the lock only for renames and the index rewrite,
never while downloading or hashing.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from composer.atomic import write_atomically
from composer.errors import ImageError
from composer.images import oci, scratch
from composer.images.config import ImageConfig, parse_image_config
from composer.images.reference import Reference
from composer.images.staging import CheckedImage, Staging, pick_platform


@dataclass(frozen=True)
class Layer:
    digest: str  # of the blob as stored (maybe compressed)
    diff_id: str  # of the uncompressed tar: names the unpacked dir
    media_type: str
    size: int


@dataclass(frozen=True)
class Image:
    ref: str  # the normalized reference it was found under
    digest: str  # manifest digest
    id: str  # config digest, Docker's image ID
    config: ImageConfig
    layers: tuple[Layer, ...]
    created: str | None = None

    @property
    def size(self) -> int:
        """Bytes of layer blobs in the store (compressed as pulled)."""
        return sum(layer.size for layer in self.layers)

    @property
    def diff_ids(self) -> tuple[str, ...]:
        return tuple(layer.diff_id for layer in self.layers)

    @property
    def layer_digests(self) -> tuple[str, ...]:
        return tuple(layer.digest for layer in self.layers)


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.index_path = self.path / "index.json"

    def blob_path(self, digest: str) -> Path:
        return self.path / "blobs" / "sha256" / oci.hex_of(digest)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """The store's write lock; blocks while another process holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path / ".lock", os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        with scratch.scratch_dir(self.path / ".tmp") as path:
            yield Staging(path)

    def commit(self, staging: Staging, tags: Mapping[str, CheckedImage]) -> None:
        """Move checked images' blobs in, then point each name (a Reference.key) at its manifest."""
        with self.locked():
            self._ensure_layout()
            for digest in sorted(set().union(*(image.blobs for image in tags.values()))):
                if digest not in staging.verified:
                    raise RuntimeError(f"blob {digest} was not verified before commit")
                if not self.blob_path(digest).exists():
                    os.replace(staging.blob_path(digest), self.blob_path(digest))
            entries = self._read_index()
            for key, image in tags.items():
                entries = [e for e in entries if e.annotations.get(oci.REF_NAME) != key]
                manifest = image.manifest
                entries.append(oci.Descriptor(manifest.media_type, manifest.digest, manifest.size, {oci.REF_NAME: key}))
            self._write_index(entries)

    def lookup(self, ref: Reference) -> oci.Descriptor | None:
        """The manifest filed under `ref`; by digest, also any tag of that repository pointing at it."""
        entries = self._read_index()
        for entry in entries:
            if entry.annotations.get(oci.REF_NAME) == ref.key:
                return entry
        if ref.digest:
            for entry in entries:
                name = entry.annotations.get(oci.REF_NAME, "")
                if entry.digest == ref.digest and name.startswith(ref.name + ":"):
                    return entry
        return None

    def image(self, ref: Reference) -> Image | None:
        descriptor = self.lookup(ref)
        return None if descriptor is None else self._load_image(str(ref), descriptor)

    def images(self) -> list[Image]:
        """Every named image, sorted by name; ones whose blobs have gone are left out."""
        found = []
        for entry in self._read_index():
            name = entry.annotations.get(oci.REF_NAME)
            if not name:
                continue
            try:
                found.append(self._load_image(name, entry))
            except ImageError:
                continue
        return sorted(found, key=lambda image: image.ref)

    def untag(self, ref: Reference) -> bool:
        with self.locked():
            entries = self._read_index()
            kept = [e for e in entries if e.annotations.get(oci.REF_NAME) != ref.key]
            if len(kept) == len(entries):
                return False
            self._write_index(kept)
            return True

    def prune_blobs(self) -> tuple[int, int]:
        """Remove blobs no named image uses; call under locked(). Returns (count, bytes)."""
        scratch.remove_abandoned(self.path / ".tmp")
        keep = set()
        for entry in self._read_index():
            keep |= self._reachable(entry)
        count = freed = 0
        blob_dir = self.path / "blobs" / "sha256"
        for blob in blob_dir.iterdir() if blob_dir.is_dir() else ():
            if f"sha256:{blob.name}" not in keep:
                freed += blob.stat().st_size
                blob.unlink()
                count += 1
        return count, freed

    def referenced_diff_ids(self) -> set[str]:
        return {diff_id for image in self.images() for diff_id in image.diff_ids}

    def _reachable(self, entry: oci.Descriptor) -> set[str]:
        """Blobs an index entry needs; on damage, as many as can be read (prune keeps them)."""
        digests = {entry.digest}
        try:
            manifest = self._read_blob_json(entry.digest, entry.annotations.get(oci.REF_NAME, entry.digest))
            for raw in manifest.get("manifests") or []:
                digests |= self._reachable(oci.Descriptor.from_json(raw))
            if manifest.get("config"):
                digests.add(oci.Descriptor.from_json(manifest["config"]).digest)
            digests |= {oci.Descriptor.from_json(raw).digest for raw in manifest.get("layers") or []}
        except (ImageError, ValueError, AttributeError):
            pass
        return digests

    def _load_image(self, name: str, descriptor: oci.Descriptor) -> Image:
        what = f"image {name}"
        manifest = self._read_blob_json(descriptor.digest, what)
        if "manifests" in manifest:
            descriptor = pick_platform(manifest, what)
            manifest = self._read_blob_json(descriptor.digest, what)
        try:
            config_descriptor = oci.Descriptor.from_json(manifest.get("config"))
            layer_descriptors = [oci.Descriptor.from_json(raw) for raw in manifest.get("layers") or []]
            document = self._read_blob_json(config_descriptor.digest, what)
            diff_ids = document["rootfs"]["diff_ids"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ImageError(f"{what}: damaged manifest or config in the store ({exc})", "remove the image and pull it again") from None
        layers = tuple(
            Layer(digest=d.digest, diff_id=diff_id, media_type=d.media_type, size=d.size)
            for d, diff_id in zip(layer_descriptors, diff_ids, strict=False)
        )
        return Image(
            ref=name,
            digest=descriptor.digest,
            id=config_descriptor.digest,
            config=parse_image_config(document, name),
            layers=layers,
            created=document.get("created"),
        )

    def _read_blob_json(self, digest: str, what: str) -> Any:
        try:
            document = json.loads(self.blob_path(digest).read_bytes())
        except FileNotFoundError:
            raise ImageError(f"{what}: blob {digest} is missing from the image store", "pull or load the image again") from None
        except ValueError:
            raise ImageError(f"{what}: blob {digest} in the image store is not JSON", "pull or load the image again") from None
        if not isinstance(document, dict):
            raise ImageError(f"{what}: blob {digest} in the image store is not a JSON object", "pull or load the image again")
        return document

    def _ensure_layout(self) -> None:
        (self.path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
        layout = self.path / "oci-layout"
        if not layout.exists():
            _atomic_write(layout, json.dumps(oci.LAYOUT_VERSION).encode())

    def _read_index(self) -> list[oci.Descriptor]:
        try:
            document = json.loads(self.index_path.read_bytes())
            return [oci.Descriptor.from_json(raw) for raw in document.get("manifests") or []]
        except FileNotFoundError:
            return []
        except (ValueError, AttributeError) as exc:
            raise ImageError(f"image store index {self.index_path} is unreadable ({exc})", "move it away and pull or load the images again") from None

    def _write_index(self, entries: list[oci.Descriptor]) -> None:
        document = {"schemaVersion": 2, "mediaType": oci.OCI_INDEX, "manifests": [e.to_json() for e in entries]}
        _atomic_write(self.index_path, json.dumps(document, indent=2).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    write_atomically(path, data, durable=True)
