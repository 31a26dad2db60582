"""Driver name → network plugin. Plugins are cheap and hold no state: a new one per call,
so each sees the data root of the moment (COMPOSER_ROOT). Imports happen on use."""

from __future__ import annotations

from .api import ErrorCode, NetworkPlugin, PluginError


def _bridge() -> NetworkPlugin:
    from .bridge import BridgePlugin

    return BridgePlugin()


def _host() -> NetworkPlugin:
    from .host import HostPlugin

    return HostPlugin()


def _none() -> NetworkPlugin:
    from .none import NonePlugin

    return NonePlugin()


_FACTORIES = {"bridge": _bridge, "host": _host, "none": _none}


def driver_names() -> list[str]:
    return sorted(_FACTORIES)


def plugin_for(driver: str | None) -> NetworkPlugin:
    """The plugin for a network's `driver:` (None means bridge)."""
    name = driver or "bridge"
    if name not in _FACTORIES:
        raise PluginError(ErrorCode.UNKNOWN_DRIVER, f"unknown network driver {name!r}",
                          f"use one of: {', '.join(driver_names())}")
    return _FACTORIES[name]()
