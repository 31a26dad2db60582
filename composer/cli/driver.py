"""The one place the CLI picks the driver: every verb gets it from open_driver() and knows
only the protocol (composer/drivers/protocol.py). Chosen by the global --driver flag, else
COMPOSER_DRIVER, else runc."""

from __future__ import annotations

import os

from composer.errors import ComposerError

DEFAULT = "runc"
_chosen: str | None = None  # --driver, set by main before the verb runs
_opened: dict[str, object] = {}  # one driver per command: `up` asks twice (the no-op check, then up)


def _runc():
    from composer.drivers.runc.driver import RuncDriver  # on use: `compose --help` and `config` need no driver

    return RuncDriver()


def _docker():
    from composer.drivers.docker.driver import DockerDriver  # on use: loads the `docker` package

    return DockerDriver()


DRIVERS = {"runc": _runc, "docker": _docker}


def choose(name: str | None) -> None:
    """At the start of each command (main may run several in one process, as the tests do)."""
    global _chosen
    if name is not None and name not in DRIVERS:
        raise ComposerError(f"--driver {name}: expected one of {', '.join(DRIVERS)}")
    _chosen = name
    _opened.clear()


def driver_name() -> str:
    name = _chosen or os.environ.get("COMPOSER_DRIVER") or DEFAULT
    if name not in DRIVERS:
        raise ComposerError(f"COMPOSER_DRIVER={name}: expected one of {', '.join(DRIVERS)}")
    return name


def open_driver():
    name = driver_name()
    if name not in _opened:
        _opened[name] = DRIVERS[name]()
    return _opened[name]
