"""The engine a stack is deployed through: the manager named by $DOCKER_HOST (as the docker
CLI), PyPI `docker` imported on use only. Its errors become one-line ComposerErrors."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from composer.errors import ComposerError

API_VERSION = "1.41"  # Debian 12's engine (20.10): the oldest we speak; newer engines answer it too


def connect():
    """A client of a Swarm manager; a clear line when there is no engine or no swarm."""
    try:
        import docker
    except ImportError:
        raise ComposerError("the swarm driver needs the Python package `docker`", "pip install docker") from None
    try:
        client = docker.from_env(version=API_VERSION, timeout=120)
        info = client.info()
    except engine_errors() as exc:
        where = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        raise ComposerError(f"swarm driver: cannot reach the engine at {where}: {_short(exc)}", "set DOCKER_HOST to a Swarm manager") from None
    swarm = info.get("Swarm") or {}
    if swarm.get("LocalNodeState") != "active" or not swarm.get("ControlAvailable"):
        raise ComposerError("swarm driver: this engine is not a Swarm manager", "run `docker swarm init` (or point DOCKER_HOST at a manager)")
    return client


@contextlib.contextmanager
def api_errors(what: str) -> Iterator[None]:
    """An engine error while doing `what`, as one line."""
    try:
        yield
    except engine_errors() as exc:
        raise ComposerError(f"{what}: {_short(exc)}") from None


def engine_errors() -> tuple[type[Exception], ...]:
    """What the client raises when the engine refuses or cannot be reached."""
    import docker
    import requests  # the client's transport

    return docker.errors.DockerException, requests.exceptions.RequestException


def _short(exc: Exception) -> str:
    explanation = getattr(exc, "explanation", None)
    text = explanation if isinstance(explanation, str) and explanation else str(exc)
    return " ".join(text.split())[:300]


def has_ipvs() -> bool:
    """Swarm's VIPs and ingress routing mesh need IPVS in this node's kernel (loaded, or a
    module the engine can load)."""
    modules = f"/lib/modules/{os.uname().release}/kernel/net/netfilter/ipvs"
    return any(os.path.exists(p) for p in ("/proc/net/ip_vs", "/sys/module/ip_vs", modules))


def is_not_found(exc: Exception) -> bool:
    import docker

    return isinstance(exc, docker.errors.NotFound)
