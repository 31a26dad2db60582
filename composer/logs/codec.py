"""How records look on disk, one codec per file driver.

`file` keeps the raw bytes exactly as the container wrote them, both streams in one
file, interleaved line by line. It keeps neither the stream nor a time: `logs` shows
such lines as stdout, `--timestamps` prints no time for them, and `--since`/`--until`
are refused (LogsUnavailable). A line longer than 16 KiB is written as it comes, in
16 KiB pieces, so in that rare case a line of the other stream can land inside it.
"""

from __future__ import annotations

from typing import Protocol

from composer.logs.jsonline import Decoded, JsonCodec


class Codec(Protocol):
    name: str
    keeps_time: bool  # records carry stream and time
    terminated: bool  # every record ends in a newline (so an unterminated end is a write in progress)

    def encode_lines(self, body: bytes, stream: str, time_ns: int) -> bytes:
        """Records for the "\\n"-joined lines of `body`, each shorter than 16 KiB."""

    def encode_partial(self, piece: bytes, stream: str, time_ns: int) -> bytes:
        """A record for a piece of a line that has no newline (yet)."""

    def decode(self, line: bytes) -> Decoded | None:
        """One line of the file, without its newline."""


class RawCodec:
    """`file`: the container's bytes, nothing added."""

    name = "file"
    keeps_time = False
    terminated = False

    def encode_lines(self, body: bytes, stream: str, time_ns: int) -> bytes:
        return body + b"\n"

    def encode_partial(self, piece: bytes, stream: str, time_ns: int) -> bytes:
        return piece

    def decode(self, line: bytes) -> Decoded | None:
        return 0, "stdout", line, False


def codec_for(driver: str) -> Codec:
    return JsonCodec() if driver == "json-file" else RawCodec()
