"""Gzip a rotated file in a background thread, so the writer never waits for zlib.

name.log.1 → name.log.1.gz.tmp → (rename) name.log.1.gz, then name.log.1 is removed:
a reader sees either the whole plain file or the whole .gz, never a half-written one.
One compression at a time; the rotating file defers its next rotation while one runs.
zlib releases the GIL while it compresses, so the writer thread keeps running.

The gzip header's extra field holds, as JSON (where Docker keeps its own metadata),
the device, inode, size and mtime the plain file had: a follower that holds the plain
file open can still find its place in the series after the file was compressed. (The
inode alone is not enough: the filesystem reuses it as soon as the plain file is gone.)
"""

from __future__ import annotations

import os
import struct
import threading
import time
import zlib

_BLOCK = 64 * 1024
LEVEL = 1  # fast: a 10 MB file takes well under a second; logs still shrink ~8x
_FEXTRA = 4
_ORIGIN_KEYS = ("dev", "ino", "size", "mtime")
Fingerprint = tuple[int, int, int, int]  # st_dev, st_ino, st_size, st_mtime_ns


class Compressor:
    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    @property
    def busy(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def submit(self, source: str) -> None:
        """Start compressing `source` (the caller makes sure no other compression runs)."""
        self.wait()
        self._thread = threading.Thread(target=self._run, args=(source,), name="log-compress", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self, source: str) -> None:
        try:
            compress_file(source)
        except OSError as error:  # disk full, file gone: keep the plain file, note why
            self.last_error = f"compressing {source}: {error.strerror or error}"


def compress_file(source: str) -> None:
    temporary = source + ".gz.tmp"
    try:
        with open(source, "rb") as plain, open(temporary, "wb") as packed:
            os.fchmod(packed.fileno(), 0o640)
            packed.write(gzip_header(dict(zip(_ORIGIN_KEYS, fingerprint(plain.fileno())))))
            _deflate(plain, packed)
        os.replace(temporary, source + ".gz")
    except BaseException:
        _remove(temporary)
        raise
    _remove(source)


def gzip_header(extra: dict[str, int]) -> bytes:
    """RFC 1952 member header with FEXTRA holding `extra` as JSON."""
    data = ("{" + ",".join(f'"{key}":{value}' for key, value in extra.items()) + "}").encode()
    return struct.pack("<BBBBIBBH", 0x1F, 0x8B, 8, _FEXTRA, int(time.time()), 0, 3, len(data)) + data


def fingerprint(fd: int) -> Fingerprint:
    """What tells a finished plain log file apart, even from a later one on the same inode."""
    st = os.fstat(fd)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def read_origin(header: bytes) -> Fingerprint | None:
    """The fingerprint of the plain file a .gz was made from; None if it does not say."""
    if len(header) < 12 or header[:2] != b"\x1f\x8b" or not header[3] & _FEXTRA:
        return None
    (length,) = struct.unpack_from("<H", header, 10)
    import json  # readers only; the supervisor never gets here

    try:
        extra = json.loads(header[12 : 12 + length])
        dev, ino, size, mtime = (int(extra[key]) for key in _ORIGIN_KEYS)
    except (ValueError, KeyError, TypeError):
        return None
    return dev, ino, size, mtime


def _deflate(plain, packed) -> None:  # type: ignore[no-untyped-def]
    deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    crc = size = 0
    while block := plain.read(_BLOCK):
        crc = zlib.crc32(block, crc)
        size += len(block)
        packed.write(deflate.compress(block))
    packed.write(deflate.flush())
    packed.write(struct.pack("<II", crc, size & 0xFFFFFFFF))


def recover(path: str, compressor: Compressor) -> None:
    """After a crash: drop a half-made .gz.tmp and finish what was not compressed."""
    first = path + ".1"
    _remove(first + ".gz.tmp")
    if os.path.exists(first + ".gz"):
        _remove(first)  # the .gz was complete (renamed into place) before the crash
    elif os.path.exists(first):
        compressor.submit(first)


def _remove(name: str) -> None:
    try:
        os.unlink(name)
    except FileNotFoundError:
        pass
