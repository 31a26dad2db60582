"""The connection to a Docker engine, and its errors as one line each.

Where the engine is: DOCKER_HOST, else the current Docker context's endpoint (DOCKER_CONTEXT,
else `currentContext` in $DOCKER_CONFIG/config.json, its meta.json under contexts/meta/<sha256
of the name>), else the default socket — what the docker CLI and Compose v2 do.

The `docker` package (~0.1 s to import) is imported here only, when a command first needs
the engine: `compose --help` and `config` never load it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from pathlib import Path

from composer.errors import ComposerError, ImageError, RuntimeFailure

DEFAULT_HOST = "unix:///var/run/docker.sock"
MIN_API = "1.41"  # Docker 20.10: the oldest engine the driver speaks to


def engine_host(environ: dict[str, str] | None = None) -> str:
    environ = dict(os.environ) if environ is None else environ
    if environ.get("DOCKER_HOST"):
        return environ["DOCKER_HOST"]
    config_dir = Path(environ.get("DOCKER_CONFIG") or Path(environ.get("HOME", "/root")) / ".docker")
    name = environ.get("DOCKER_CONTEXT") or _current_context(config_dir)
    if not name or name == "default":
        return DEFAULT_HOST
    meta = config_dir / "contexts" / "meta" / hashlib.sha256(name.encode()).hexdigest() / "meta.json"
    try:
        host = json.loads(meta.read_text())["Endpoints"]["docker"]["Host"]
    except (OSError, ValueError, KeyError, TypeError):
        raise ComposerError(f"docker context {name!r}: no endpoint found in {meta}") from None
    return host


def _current_context(config_dir: Path) -> str:
    try:
        return json.loads((config_dir / "config.json").read_text()).get("currentContext", "")
    except (OSError, ValueError, AttributeError):
        return ""


def connect():
    """A low-level API client on the engine; refuses an engine older than MIN_API."""
    import docker  # on use: see the module doc

    host = engine_host()
    try:
        api = docker.APIClient(base_url=host, version="auto", timeout=300)
    except docker.errors.DockerException as exc:
        raise ComposerError(f"cannot reach the Docker engine at {host}: {_reason(exc)}", hint="is dockerd running? set DOCKER_HOST or the docker context") from None
    if _version_tuple(api.api_version) < _version_tuple(MIN_API):
        raise ComposerError(f"the Docker engine at {host} speaks API {api.api_version}; composer needs {MIN_API} or newer (Docker 20.10)")
    return api


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Connection refused", "No such file or directory", "Permission denied", "Name or service not known"):
        if marker in text:
            return marker.lower()
    return text.splitlines()[0][:200] if text else type(exc).__name__


@contextlib.contextmanager
def engine_errors(what: str):
    """Engine and transport errors inside become a ComposerError naming `what`."""
    import docker  # on use: see the module doc
    import requests

    try:
        yield
    except docker.errors.ImageNotFound as exc:
        raise ImageError(f"{what}: image not found: {_explanation(exc)}") from None
    except docker.errors.APIError as exc:
        raise RuntimeFailure(f"{what}: {_explanation(exc)}") from None
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise ComposerError(f"{what}: the Docker engine did not answer: {_reason(exc)}") from None


def _explanation(exc) -> str:
    text = getattr(exc, "explanation", None) or str(exc)
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    taken = re.search(r"listen \w+ ([^\s:]+:\d+): bind: address already in use", text) or re.search(r"Bind for ([^\s]+) failed: port is already allocated", text)
    if taken:
        return f"published port {taken.group(1)} is already in use"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def is_missing(exc: BaseException) -> bool:
    import docker  # on use: see the module doc

    return isinstance(exc, docker.errors.NotFound)
