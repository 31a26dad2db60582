"""What can go wrong with logging, as the user sees it (all ComposerError, one line each)."""

from __future__ import annotations

from composer.errors import ComposerError


class LogConfigError(ComposerError):
    """A `logging:` driver or option is unknown or has a bad value."""


class LogFileError(ComposerError):
    """A log file or its directory cannot be created or opened."""


class LogsUnavailable(LogConfigError):
    """The driver keeps nothing to read back (`none`), or not what was asked (times for `file`)."""
