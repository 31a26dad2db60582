"""`logging:` driver names and option strings → LogOptions, with Docker's rules.

Sizes follow Docker: `max-size` is decimal (10m = 10,000,000 bytes, like Docker's
units.FromHumanSize), `max-buffer-size` binary (1m = 1 MiB, like units.RAMInBytes).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from composer.logs.api import LogConfig, LogTarget
from composer.logs.errors import LogConfigError

DRIVERS = ("json-file", "file", "none")
_FILE_OPTIONS = ("compress", "max-buffer-size", "max-file", "max-size", "mode", "path")
_NONE_OPTIONS = ("max-buffer-size", "mode")
ALLOWED_OPTIONS = {"json-file": _FILE_OPTIONS, "file": _FILE_OPTIONS, "none": _NONE_OPTIONS}

DEFAULT_MAX_BUFFER = 1024 * 1024
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE | re.ASCII)
_UNIT_POWER = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
_TRUE = ("1", "t", "T", "true", "TRUE", "True")
_FALSE = ("0", "f", "F", "false", "FALSE", "False")


@dataclass(frozen=True)
class LogOptions:
    driver: str
    path: str | None = None  # as given: a directory or a file; None → the target's default
    max_size: int | None = None  # bytes; None → never rotate
    max_file: int = 1
    compress: bool = False
    non_blocking: bool = False
    max_buffer_size: int = DEFAULT_MAX_BUFFER


def parse_options(config: LogConfig, service: str | None = None) -> LogOptions:
    """Check the driver and every option; the first bad one raises LogConfigError."""
    where = f'service "{service}": logging' if service else "logging"
    if config.driver not in DRIVERS:
        raise LogConfigError(
            f'{where}.driver "{config.driver}" is not supported', f"use one of: {', '.join(DRIVERS)}"
        )
    allowed = ALLOWED_OPTIONS[config.driver]
    for key in config.options:
        if key not in allowed:
            raise LogConfigError(
                f'{where}.options.{key} is not an option of the {config.driver} driver',
                f"allowed: {', '.join(allowed)}",
            )
    return _build(config.driver, {k: str(v) for k, v in config.options.items()}, where)


def _build(driver: str, opts: dict[str, str], where: str) -> LogOptions:
    max_size = _size(opts, "max-size", 1000, where) if "max-size" in opts else None
    max_file = _count(opts, where) if "max-file" in opts else 1
    compress = _bool(opts, "compress", where) if "compress" in opts else False
    if compress and (max_size is None or max_file < 2):
        raise LogConfigError(
            f"{where}.options.compress is true but there is nothing to compress",
            "compress needs max-size and a max-file of 2 or more",
        )
    mode = opts.get("mode", "blocking")
    if mode not in ("blocking", "non-blocking"):
        raise LogConfigError(f'{where}.options.mode "{mode}" is not a mode', "use blocking or non-blocking")
    if "max-buffer-size" in opts and mode != "non-blocking":
        raise LogConfigError(f"{where}.options.max-buffer-size needs mode non-blocking", "set mode: non-blocking")
    buffer = _size(opts, "max-buffer-size", 1024, where) if "max-buffer-size" in opts else DEFAULT_MAX_BUFFER
    path = opts.get("path")
    if path is not None and not os.path.isabs(path):
        raise LogConfigError(f'{where}.options.path "{path}" is not absolute', "give a path from the project root")
    return LogOptions(driver, path, max_size, max_file, compress, mode == "non-blocking", buffer)


def parse_size(text: str, base: int = 1000) -> int | None:
    """'10m' → 10*base**2 bytes; None when it is not a size."""
    match = _SIZE.match(text)
    if not match:
        return None
    return int(float(match.group(1)) * base ** _UNIT_POWER[match.group(2).lower()])


def _size(opts: dict[str, str], key: str, base: int, where: str) -> int:
    value = parse_size(opts[key], base)
    if value is None or value <= 0:
        raise LogConfigError(
            f'{where}.options.{key} "{opts[key]}" is not a positive size',
            "use a number with an optional unit k, m or g, e.g. 10m",
        )
    return value


def _count(opts: dict[str, str], where: str) -> int:
    text = opts["max-file"].strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise LogConfigError(
            f'{where}.options.max-file "{opts["max-file"]}" is not a whole number of 1 or more', 'e.g. max-file: "5"'
        )
    return int(text)


def _bool(opts: dict[str, str], key: str, where: str) -> bool:
    text = opts[key]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise LogConfigError(f'{where}.options.{key} "{text}" is not a boolean', 'use "true" or "false"')


def log_path(options: LogOptions, target: LogTarget) -> str:
    """The file this container's log goes to: <dir>/<container>.log, or the file given.

    `path` names a directory if it is one, ends in "/", or (not there yet) has no dot in
    its last part: `./logs` is a directory, `./logs/tests.log` a file.
    """
    file_name = f"{target.container}.log"
    if options.path is None:
        return os.path.join(target.default_dir, file_name)
    path = options.path
    if os.path.exists(path):
        is_dir = os.path.isdir(path)
    else:
        is_dir = path.endswith(os.sep) or "." not in os.path.basename(path)
    return os.path.join(path, file_name) if is_dir else path
