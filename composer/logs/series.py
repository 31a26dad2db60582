"""A rotated series on disk: name.log (newest), name.log.1 … name.log.N, maybe .gz.

Readers take a *snapshot*: every file of the series opened at once, and re-listed until
the names still point at the files opened, so a rotation in the middle of a read can
neither skip nor repeat a file. Open descriptors stay readable after renames.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

from composer.logs.compress import Fingerprint, read_origin

_SNAPSHOT_TRIES = 20
_HEADER_BYTES = 128  # enough for the gzip header compress.py writes


def rotated_name(path: str, index: int, gz: bool = False) -> str:
    """name.log.<index>[.gz]; index 0 is the live file itself."""
    if index == 0:
        return path
    return f"{path}.{index}.gz" if gz else f"{path}.{index}"


def list_series(path: str) -> list[tuple[int, bool]]:
    """(index, gz) of each file present, oldest first; a .gz beats a plain file of the same index.

    Both exist for a moment while a compression finishes; the .gz is then complete.
    """
    directory, base = os.path.split(path)
    pattern = re.compile(re.escape(base) + r"(?:\.([1-9][0-9]*)(\.gz)?)?")
    found: dict[int, bool] = {}
    try:
        names = os.listdir(directory or ".")
    except FileNotFoundError:
        return []
    for name in names:
        match = pattern.fullmatch(name)
        if match:
            index = int(match.group(1) or 0)
            found[index] = found.get(index, False) or bool(match.group(2))
    return [(index, found[index]) for index in sorted(found, reverse=True)]


@dataclass
class OpenFile:
    """One file of a snapshot, open for reading."""

    name: str
    index: int
    gz: bool
    fd: int
    ident: tuple[int, int]  # (st_dev, st_ino): what a rotation keeps
    size: int  # at the time of the snapshot
    origin: Fingerprint | None  # .gz: the plain file it was made from (if it says)
    counter: list[int] = field(default_factory=lambda: [0])  # bytes read, shared with the reader

    def pread(self, size: int, offset: int) -> bytes:
        data = os.pread(self.fd, size, offset)
        self.counter[0] += len(data)
        return data

    def stream(self) -> io.BufferedIOBase:
        """The decompressed content from the start (gz), or the raw file."""
        raw = _CountingFile(self)
        if not self.gz:
            return raw  # type: ignore[return-value]
        import gzip  # readers only: keeps it out of the supervisor

        return gzip.GzipFile(fileobj=raw, mode="rb")


class _CountingFile(io.RawIOBase):
    """Sequential reads through an OpenFile's descriptor, counted, without moving its offset."""

    def __init__(self, source: OpenFile) -> None:
        self._source = source
        self._offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self._source.pread(len(buffer), self._offset)
        buffer[: len(data)] = data
        self._offset += len(data)
        return len(data)


def open_snapshot(path: str, counter: list[int] | None = None) -> list[OpenFile]:
    """Every file of the series, oldest first, consistent with one moment of the series."""
    counter = counter if counter is not None else [0]
    files: list[OpenFile] = []
    for _ in range(_SNAPSHOT_TRIES):
        files = _open_all(path, counter)
        if _still_named(files) and [(f.index, f.gz) for f in files] == list_series(path):
            return files
        close_all(files)
    return _open_all(path, counter)  # rotating faster than we can list: take the last try


def _open_all(path: str, counter: list[int]) -> list[OpenFile]:
    files = []
    for index, gz in list_series(path):
        name = rotated_name(path, index, gz)
        try:
            fd = os.open(name, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # renamed meanwhile; the consistency check will retry
        st = os.fstat(fd)
        origin = read_origin(os.pread(fd, _HEADER_BYTES, 0)) if gz else None
        files.append(OpenFile(name, index, gz, fd, (st.st_dev, st.st_ino), st.st_size, origin, counter))
    return files


def _still_named(files: list[OpenFile]) -> bool:
    for opened in files:
        try:
            st = os.stat(opened.name)
        except FileNotFoundError:
            return False
        if (st.st_dev, st.st_ino) != opened.ident:
            return False
    return True


def close_all(files: list[OpenFile]) -> None:
    for opened in files:
        try:
            os.close(opened.fd)
        except OSError:
            pass
