"""Unpacked layers: each layer once, at <data_root>/layers/<diff_id hex>/, ready as a lowerdir.

A layer is extracted into a scratch dir while its uncompressed bytes are hashed; only
if the hash equals the diff_id is the dir renamed into place, so a layer dir that
exists is complete and verified. Two processes unpacking the same layer at once both
finish; the second rename loses and its copy is dropped.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from composer.crash import crash_point
from composer.errors import ImageError
from composer.images import oci, scratch
from composer.images.store import Image, Layer, Store
from composer.images.tarextract import extract_layer

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CORRUPT_HINT = "the image is damaged; remove it and pull or load it again"


class LayerCache:
    def __init__(self, path: Path, store: Store) -> None:
        self.path = Path(path)
        self.store = store

    def layer_dir(self, diff_id: str) -> Path:
        return self.path / oci.hex_of(diff_id)

    def lowerdirs(self, image: Image) -> list[Path]:
        """The image's layer dirs, top-most first (overlayfs lowerdir order); unpacks what is missing."""
        return [self.ensure(layer, image.ref) for layer in reversed(image.layers)]

    def ensure(self, layer: Layer, image_name: str) -> Path:
        target = self.layer_dir(layer.diff_id)
        if target.is_dir():
            return target
        blob = self.store.blob_path(layer.digest)
        what = f"image {image_name}: layer {layer.digest}"
        if not blob.is_file():
            raise ImageError(f"{what} is missing from the image store", "pull or load the image again")
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)  # setuid files inside: root only
        with scratch.scratch_dir(self.path / ".tmp") as work:
            rootfs = work / "rootfs"
            rootfs.mkdir(mode=0o755)
            unpack_blob(blob, rootfs, layer.diff_id, what)
            crash_point("image.unpacked")
            try:
                os.rename(rootfs, target)
            except OSError:
                if not target.is_dir():
                    raise
        return target

    def remove_unused(self, keep: set[str]) -> int:
        """Remove layer dirs whose diff_id is not in `keep` and that no mounted overlay uses."""
        scratch.remove_abandoned(self.path / ".tmp")
        if not self.path.is_dir():
            return 0
        mounted = _overlay_lowerdir_text()
        removed = 0
        for entry in self.path.iterdir():
            if entry.name.startswith(".") or f"sha256:{entry.name}" in keep or str(entry) in mounted:
                continue
            shutil.rmtree(entry)
            removed += 1
        return removed


def unpack_blob(blob: Path, rootfs: Path, diff_id: str, what: str) -> None:
    """Extract a layer blob (tar, tar+gzip or tar+zstd) into `rootfs`, checking its diff_id."""
    try:
        with _decompressed(blob, what) as stream:
            reader = oci.HashingReader(stream)
            with tarfile.open(fileobj=reader, mode="r|") as tar:  # type: ignore[call-overload]
                extract_layer(tar, rootfs, what)
            reader.drain()
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImageError(f"{what} is not a readable tar ({exc})", _CORRUPT_HINT) from None
    except ImageError:
        raise
    except OSError as exc:
        raise ImageError(f"{what}: cannot unpack ({exc})", "check free space and that composer runs as root") from None
    if reader.digest != diff_id:
        raise ImageError(f"{what}: unpacked content hashes to {reader.digest}, not its diff_id {diff_id}", _CORRUPT_HINT)


@contextmanager
def _decompressed(blob: Path, what: str) -> Iterator[IO[bytes]]:
    with open(blob, "rb") as raw:
        magic = raw.read(4)
        raw.seek(0)
        if magic.startswith(_GZIP_MAGIC):
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield unzipped  # type: ignore[misc]
        elif magic == _ZSTD_MAGIC:
            with _zstd_stream(blob, what) as unzstd:
                yield unzstd
        else:
            yield raw


@contextmanager
def _zstd_stream(blob: Path, what: str) -> Iterator[IO[bytes]]:
    """zstd has no stdlib module before Python 3.14: decompress with the zstd program."""
    program = shutil.which("zstd")
    if program is None:
        raise ImageError(f"{what} is zstd-compressed, which needs the zstd program", "install it (apt-get install zstd) or use a gzip image")
    command = [program, "-dcq", str(blob)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    try:
        yield process.stdout
        error = process.stderr.read().decode(errors="replace").strip()
        if process.wait() != 0:
            raise ImageError(f"{what}: zstd could not decompress it ({error.splitlines()[-1] if error else 'no message'})", _CORRUPT_HINT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def _overlay_lowerdir_text() -> str:
    """The mount options of every overlay mounted here, to keep layers in use."""
    try:
        with open("/proc/self/mountinfo") as handle:
            return "\n".join(line for line in handle if " - overlay " in line)
    except OSError:
        return ""
