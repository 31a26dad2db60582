"""Container networking, shaped like CNI and called in-process (see api.py for the contract).

    plugin_for(driver) → NetworkPlugin: bridge.py, host.py, none.py
    netns.py           named network namespaces under /run/netns
    netlink.py         domain verbs over rtnl.py (or pyroute2: rtnl_pyroute2.py);  ipam.py  subnets and leases
    firewall.py        nftables: masquerade, isolation;  names.py  Linux names from keys
    forwarder/         the ambassador proxy (a separate process)

The names below load on first use (PEP 562), so a process that only needs
netplugins.forwarder imports nothing else, and nothing here imports pyroute2.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AttachResult": "api", "Attachment": "api", "AttachmentKey": "api", "ErrorCode": "api",
    "IpamPool": "api", "NetworkConfig": "api", "NetworkPlugin": "api", "NetworkState": "api",
    "PluginError": "api", "Route": "api", "driver_names": "registry", "plugin_for": "registry",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'netplugins' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
