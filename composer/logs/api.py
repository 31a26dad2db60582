"""The contract between the supervisor (which writes) and `compose logs` (which reads).

A driver is chosen by name (`json-file`, `file`, `none`) with Compose's string options
(path, max-size, max-file, compress, mode, max-buffer-size). Memory use of a writer is
bounded whatever the container prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol


@dataclass(frozen=True)
class LogTarget:
    """Whose output this is, and where its logs go by default."""

    project: str
    service: str
    container: str  # <project>-<service>-<n>
    default_dir: str  # used when options carry no `path`


@dataclass(frozen=True)
class LogConfig:
    driver: str = "json-file"
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LogRecord:
    """One line of output as read back: stream is 'stdout' or 'stderr'."""

    time_ns: int
    stream: str
    text: str  # without the trailing newline


class LogWriter(Protocol):
    def write(self, stream: str, data: bytes) -> None:
        """Accept raw bytes from stdout/stderr; partial lines are held until completed."""

    def close(self) -> None:
        """Flush held partial lines and close files."""

    @property
    def dropped(self) -> int:
        """Lines dropped in non-blocking mode (0 in blocking mode)."""


class LogReader(Protocol):
    def read(self, tail: int | None = None, since_ns: int | None = None, until_ns: int | None = None) -> Iterator[LogRecord]:
        """Records of the whole rotated series, oldest first; `tail` reads from the end."""

    def follow(self, stop, tail: int | None = 0) -> Iterator[LogRecord]:
        """The last `tail` records (0: none, None: all), then records as they are written,
        across rotations and writer restarts, until stop() is true."""
