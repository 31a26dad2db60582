"""The one place the CLI picks the driver: every verb gets it from open_driver() and knows
only the protocol (composer/drivers/protocol.py). `--driver NAME` or $COMPOSER_DRIVER:
runc (the default) or swarm (a stack on the Swarm manager $DOCKER_HOST names)."""

from __future__ import annotations

import os

DRIVERS = ("runc", "swarm")


def deploys_stack() -> bool:
    """The chosen driver converges whole stacks (cli/stack_cmd.py runs its verbs)."""
    return os.environ.get("COMPOSER_DRIVER") == "swarm"


def open_driver():
    chosen = os.environ.get("COMPOSER_DRIVER") or "runc"
    if chosen == "swarm":
        from composer.drivers.swarm.driver import SwarmDriver  # on use, as runc's

        return SwarmDriver()
    if chosen != "runc":
        from composer.errors import ComposerError

        raise ComposerError(f"unknown driver {chosen!r}", f"choose one of: {', '.join(DRIVERS)}")
    from composer.drivers.runc.driver import RuncDriver  # on use: `compose --help` and `config` need no driver

    return RuncDriver()
