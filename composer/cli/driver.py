"""The one place the CLI picks the driver: every verb gets it from open_driver() and knows
only the protocol (composer/drivers/protocol.py). runc is the only driver so far."""

from __future__ import annotations


def open_driver():
    from composer.drivers.runc.driver import RuncDriver  # on use: `compose --help` and `config` need no driver

    return RuncDriver()
