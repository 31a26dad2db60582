"""The engine a stack is deployed through: the manager that DOCKER_HOST or the Docker context
names (drivers/engine_api.py, shared with the docker driver), checked to be a Swarm manager."""

from __future__ import annotations

import os

from composer.drivers.engine_api import engine_errors as api_errors
from composer.drivers.engine_api import engine_host, high_level_client
from composer.drivers.engine_api import is_missing as is_not_found
from composer.errors import ComposerError

__all__ = ["api_errors", "connect", "has_ipvs", "is_not_found"]


def connect():
    """A client of a Swarm manager; a clear line when there is no engine or no swarm."""
    try:
        import docker  # noqa: F401  on use: `compose --help` and `config` never load it
    except ImportError:
        raise ComposerError("the swarm driver needs the Python package `docker`", "pip install docker") from None
    where = engine_host()
    with api_errors(f"swarm driver: cannot reach the engine at {where}"):
        client = high_level_client()
        info = client.info()
    swarm = info.get("Swarm") or {}
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        raise ComposerError("swarm driver: this engine is not a Swarm manager", "run `docker swarm init` (or point DOCKER_HOST at a manager)")
    return client


def has_ipvs() -> bool:
    """Swarm's VIPs and ingress routing mesh need IPVS in this node's kernel (loaded, or a
    module the engine can load)."""
    modules = f"/lib/modules/{os.uname().release}/kernel/net/netfilter/ipvs"
    return any(os.path.exists(p) for p in ("/proc/net/ip_vs", "/sys/module/ip_vs", modules))
