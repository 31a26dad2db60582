"""The OCI image store, without a daemon: pull, load, import, resolve and unpack images.

    store = ImageStore()                       # <data_root>/images and <data_root>/layers
    image = store.pull("busybox", policy="missing")
    dirs = store.lowerdirs(image)              # overlayfs lowerdirs, top-most first

Layout on disk: see store.py (OCI image layout) and unpack.py (one dir per diff_id).
Every error is an ImageError with a one-line message naming the image or file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from composer import paths
from composer.errors import ImageError
from composer.images.config import ImageConfig, ImageHealthcheck
from composer.images.load import load_archive
from composer.images.pull import pull_image
from composer.images.reference import Reference, parse_reference
from composer.images.rootfs_import import import_rootfs
from composer.images.store import Image, Layer, Store
from composer.images.unpack import LayerCache

__all__ = [
    "Image",
    "ImageConfig",
    "ImageHealthcheck",
    "ImageStore",
    "Layer",
    "PruneReport",
    "Reference",
    "parse_reference",
]

PULL_POLICIES = ("missing", "always", "never")


@dataclass(frozen=True)
class PruneReport:
    blobs: int
    bytes: int
    layers: int


class ImageStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else paths.data_root()
        self.store = Store(self.root / "images")
        self.layers = LayerCache(self.root / "layers", self.store)

    def pull(self, ref: str, policy: str = "missing", insecure_registries: Iterable[str] = ()) -> Image:
        """The image for `ref`, fetched from its registry when `policy` says so."""
        if policy not in PULL_POLICIES:
            raise ValueError(f"pull policy {policy!r} is not one of {PULL_POLICIES}")
        reference = parse_reference(ref)
        if policy != "always":
            image = self.store.image(reference)
            if image is not None:
                return image
        if policy == "never":
            raise ImageError(f"image {reference.familiar()} is not in the local store and its pull policy is never", "pull or load it first")
        with _host_errors(f"cannot pull {reference.familiar()}"):
            pull_image(self.store, reference, insecure_registries)
        return self.resolve(str(reference))

    def load(self, archive: Path) -> list[str]:
        """Load a docker-archive or oci-archive tarball; returns the names it held."""
        with _host_errors(f"cannot load {archive}"):
            return load_archive(self.store, Path(archive))

    def import_rootfs(self, tar_path: Path, ref: str, changes: Mapping[str, Any] | None = None) -> Image:
        """`docker import`: a rootfs tarball as a one-layer image; `changes` are config keys (Cmd, Env, …)."""
        reference = parse_reference(ref)
        with _host_errors(f"cannot import {tar_path} as {reference.familiar()}"):
            import_rootfs(self.store, Path(tar_path), reference, changes)
        return self.resolve(str(reference))

    def get(self, ref: str) -> Image | None:
        return self.store.image(parse_reference(ref))

    def resolve(self, ref: str) -> Image:
        reference = parse_reference(ref)
        image = self.store.image(reference)
        if image is None:
            raise ImageError(f"image {reference.familiar()} is not in the local store", "pull or load it first")
        return image

    def list(self) -> list[Image]:
        return self.store.images()

    def remove(self, ref: str) -> None:
        """Untag `ref`; its blobs and layers stay until prune()."""
        reference = parse_reference(ref)
        with _host_errors(f"cannot remove {reference.familiar()}"):
            removed = self.store.untag(reference)
        if not removed:
            raise ImageError(f"image {reference.familiar()} is not in the local store", "see the names that are with list()")

    def prune(self) -> PruneReport:
        """Remove blobs and unpacked layers that no named image uses (mounted layers are kept)."""
        with _host_errors("cannot prune images"), self.store.locked():
            blobs, freed = self.store.prune_blobs()
            layers = self.layers.remove_unused(self.store.referenced_diff_ids())
        return PruneReport(blobs=blobs, bytes=freed, layers=layers)

    def lowerdirs(self, image: Image | str) -> list[Path]:
        """overlayfs lowerdirs for the image, top-most first, unpacking layers not yet unpacked."""
        if isinstance(image, str):
            image = self.resolve(image)
        with _host_errors(f"cannot unpack {image.ref}"):
            return self.layers.lowerdirs(image)


@contextmanager
def _host_errors(action: str) -> Iterator[None]:
    """Disk full, permission denied and the like, as one line instead of a traceback."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise ImageError(f"{action}: {exc.strerror or exc}{where}", "check free space and permissions under the data root (composer runs as root)") from None
