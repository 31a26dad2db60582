"""The one place the CLI picks the driver: every verb gets it from open_driver() and knows
only the protocol (composer/drivers/protocol.py). `--driver NAME` or $COMPOSER_DRIVER:
runc (the default), docker (a Docker engine through the Engine API: $DOCKER_HOST or the
docker context) or swarm (a stack on the Swarm manager $DOCKER_HOST names)."""

from __future__ import annotations

import os

from composer.errors import ComposerError

DEFAULT = "runc"
_opened: dict[str, object] = {}  # one driver per command: `up` asks twice (the no-op check, then up)


def _runc():
    from composer.drivers.runc.driver import RuncDriver  # on use: `compose --help` and `config` need no driver

    return RuncDriver()


def _docker():
    from composer.drivers.docker.driver import DockerDriver  # on use: loads the `docker` package

    return DockerDriver()


def _swarm():
    from composer.drivers.swarm.driver import SwarmDriver  # on use, as runc's

    return SwarmDriver()


DRIVERS = {"runc": _runc, "docker": _docker, "swarm": _swarm}


def new_command() -> None:
    """At the start of each command (main may run several in one process, as the tests do)."""
    _opened.clear()


def driver_name() -> str:
    name = os.environ.get("COMPOSER_DRIVER") or DEFAULT
    if name not in DRIVERS:
        raise ComposerError(f"unknown driver {name!r}", f"choose one of: {', '.join(DRIVERS)}")
    return name


def deploys_stack() -> bool:
    """The chosen driver converges whole stacks (cli/stack_cmd.py runs its verbs)."""
    return driver_name() == "swarm"


def open_driver():
    name = driver_name()
    if name not in _opened:
        _opened[name] = DRIVERS[name]()
    return _opened[name]
