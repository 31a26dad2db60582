"""Log drivers (container output → host files) and readers (for `compose logs`).

Standard library only: the per-container supervisor imports this.

    writer = open_writer(LogConfig("json-file", {"max-size": "10m", "max-file": "3"}), target)
    writer.write("stdout", b"hello\\n"); writer.close()
    reader = open_reader(config, target)
    for record in reader.read(tail=100): ...
    write_logs(sys.stdout.buffer, reader, prefix="web-1  | ", color="36")

Drivers: json-file (Docker's lines, byte for byte), file (raw bytes, no stream/time),
none (discarded; open_reader raises LogsUnavailable). Choosing a driver and checking
its options happens here, nowhere else. The writer and reader halves are imported
when first used, so the supervisor, which only writes, loads only what writing needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from composer.logs.api import LogConfig, LogReader, LogRecord, LogTarget, LogWriter
from composer.logs.errors import LogConfigError, LogFileError, LogsUnavailable
from composer.logs.options import LogOptions, log_path, parse_options

if TYPE_CHECKING:
    from composer.logs.printer import LineFormatter, format_records, write_logs
    from composer.logs.reader import FileLogReader
    from composer.logs.writer import FileLogWriter, NullWriter

__all__ = [
    "FileLogReader",
    "FileLogWriter",
    "LineFormatter",
    "LogConfig",
    "LogConfigError",
    "LogFileError",
    "LogOptions",
    "LogReader",
    "LogRecord",
    "LogTarget",
    "LogWriter",
    "LogsUnavailable",
    "NullWriter",
    "check_config",
    "format_records",
    "log_path",
    "open_reader",
    "open_writer",
    "write_logs",
]

_LAZY = {
    "FileLogReader": "composer.logs.reader",
    "FileLogWriter": "composer.logs.writer",
    "NullWriter": "composer.logs.writer",
    "LineFormatter": "composer.logs.printer",
    "format_records": "composer.logs.printer",
    "write_logs": "composer.logs.printer",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_LAZY[name]), name)


def check_config(config: LogConfig, service: str | None = None) -> LogOptions:
    """Validate a `logging:` section early (at `config`/`up` time); raises LogConfigError."""
    return parse_options(config, service)


def open_writer(config: LogConfig, target: LogTarget) -> FileLogWriter | NullWriter:
    from composer.logs.codec import codec_for
    from composer.logs.writer import FileLogWriter, NullWriter

    options = parse_options(config, target.service)
    if options.driver == "none":
        return NullWriter()
    return FileLogWriter(log_path(options, target), codec_for(options.driver), options, target.container)


def open_reader(config: LogConfig, target: LogTarget) -> FileLogReader:
    from composer.logs.codec import codec_for
    from composer.logs.reader import FileLogReader

    options = parse_options(config, target.service)
    if options.driver == "none":
        raise LogsUnavailable(
            f"{target.container}: logging driver none keeps no logs", "use json-file or file to read them back"
        )
    return FileLogReader(log_path(options, target), codec_for(options.driver), target.container)
