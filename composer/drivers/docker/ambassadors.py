"""Ambassadors on the engine: one container each, of an image composer builds on the engine
from its own forwarder (netplugins/, standard library only) over a base with python3.

The base is $COMPOSER_AMBASSADOR_BASE (default python:3.12-slim: any image with python3 ≥
3.11 will do; air-gapped engines name a local one). The image's tag carries a digest of the
forwarder's source and the base, so a new composer builds a new image and an unchanged one
reuses it. The container joins the ambassador's networks under its name (the engine's DNS
answers it), publishes its ports, and reads its config and targets from files composer puts
into it; targets are the target service's container addresses, rewritten (write, then rename
inside the container) as replicas come and go — the forwarder re-reads them on change.
Ambassador containers carry AMBASSADOR_LABEL, so they are never taken for a service's replicas
or orphans.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import tarfile
from pathlib import Path

import netplugins

from composer.config.model import Ambassador, Project
from composer.drivers.docker.create_config import archive
from composer.drivers.docker.engine import engine_errors, is_missing
from composer.errors import ComposerError, NetworkError

P = "com.docker.compose."
AMBASSADOR_LABEL = "io.composer.ambassador"
CONFIG_LABEL = "io.composer.ambassador.config-hash"
DEFAULT_BASE = "python:3.12-slim"
HOME = "/opt/composer"
CONFIG = "/run/forwarder/config.json"
TARGETS = "/run/forwarder/targets.json"
STATS = "/run/forwarder/stats.json"


def base_image() -> str:
    return os.environ.get("COMPOSER_AMBASSADOR_BASE") or DEFAULT_BASE


def _context() -> tuple[bytes, str]:
    """The build context (a tar: Dockerfile and the netplugins package) and its digest."""
    root = Path(netplugins.__file__).resolve().parent
    files = sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts)
    dockerfile = (
        f"FROM {base_image()}\nCOPY netplugins {HOME}/netplugins\nENV PYTHONPATH={HOME} PYTHONDONTWRITEBYTECODE=1\n"
        f'ENTRYPOINT ["python3", "-m", "netplugins.forwarder", "{CONFIG}"]\n'
    ).encode()
    digest = hashlib.sha256(dockerfile)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _add(tar, "Dockerfile", dockerfile)
        for path in files:
            data = path.read_bytes()
            name = f"netplugins/{path.relative_to(root)}"
            digest.update(name.encode() + b"\0" + data)
            _add(tar, name, data)
    return buffer.getvalue(), digest.hexdigest()[:12]


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def ensure_image(api) -> str:
    context, digest = _context()
    tag = f"composer-ambassador:{digest}"
    with engine_errors(f"ambassador image {tag}"):
        try:
            api.inspect_image(tag)
            return tag
        except Exception as exc:
            if not is_missing(exc):
                raise
        for chunk in api.build(fileobj=io.BytesIO(context), custom_context=True, tag=tag, rm=True, decode=True, pull=False):
            if "error" in chunk:
                raise ComposerError(f"ambassador image {tag} (base {base_image()}): build failed: {chunk['error'].strip()}",
                                    hint="set COMPOSER_AMBASSADOR_BASE to a local image with python3 >= 3.11")
    return tag


def container_name(project: str, ambassador: str) -> str:
    return f"{project}-{ambassador}-ambassador"


def start(api, project: Project, ambassador: Ambassador) -> None:
    if ambassador.listen.protocol == "unix" or ambassador.target.protocol == "unix":
        raise ComposerError(f"ambassador {ambassador.name}: unix sockets are not supported by the docker driver yet")
    name = container_name(project.name, ambassador.name)
    image = ensure_image(api)
    keys = list(ambassador.networks or ("default",))
    config = json.dumps(_config(ambassador)).encode()
    digest = hashlib.sha256(json.dumps([image, config.decode(), keys, [repr(p) for p in ambassador.ports]]).encode()).hexdigest()
    with engine_errors(f"ambassador {ambassador.name}"):
        existing = _inspect(api, name)
        if existing is not None:
            if existing["Config"]["Labels"].get(CONFIG_LABEL) == digest and existing["State"]["Running"]:
                return  # unchanged and serving; refresh() points it at the current targets
            api.remove_container(name, force=True)
        ports = {f"{p.target}/{p.protocol}": [{"HostIp": p.host_ip, "HostPort": p.published}] for p in ambassador.ports}
        body = {
            "Image": image,
            "Labels": {P + "project": project.name, AMBASSADOR_LABEL: ambassador.name, CONFIG_LABEL: digest},
            "ExposedPorts": {key: {} for key in ports},
            "HostConfig": {"NetworkMode": project.networks[keys[0]].name, "PortBindings": ports, "RestartPolicy": {"Name": "unless-stopped"},
                           "ReadonlyRootfs": False, "CapDrop": ["ALL"], "CapAdd": ["NET_BIND_SERVICE"], "SecurityOpt": ["no-new-privileges"]},
            "NetworkingConfig": {"EndpointsConfig": {project.networks[keys[0]].name: {"Aliases": [ambassador.name]}}},
        }
        api.create_container_from_config(body, name)
        for key in keys[1:]:
            api.connect_container_to_network(name, project.networks[key].name, aliases=[ambassador.name])
        targets = targets_of(api, project.name, ambassador, keys)
        api.put_archive(name, "/", _tar({CONFIG: config, TARGETS: json.dumps(targets).encode()}))
        api.start(name)
        if ambassador.target_service is not None:  # replicas that came while it was being made
            latest = targets_of(api, project.name, ambassador, keys)
            if latest != targets:
                _replace_targets(api, name, latest)


def _config(ambassador: Ambassador) -> dict:
    listen = ambassador.listen
    entry = {
        "name": ambassador.name,
        "listen": f"{listen.protocol}://{listen.host or '0.0.0.0'}:{listen.port}",
        "targets_file": TARGETS,
        "retry": ambassador.retry / 1e9,
        "connect_timeout": (ambassador.connect_timeout or 5_000_000_000) / 1e9,
        "balance": ambassador.balance,
        "max_connections": ambassador.max_connections or 4096,
        "idle_timeout": (ambassador.idle_timeout or 0) / 1e9,
    }
    return {"stats": STATS, "ambassadors": [entry]}


def targets_of(api, project: str, ambassador: Ambassador, keys: list[str]) -> list[dict]:
    """The target service's running containers' addresses on the ambassador's networks, or the
    outside host's address (resolved on our side, as the runc driver does)."""
    target = ambassador.target
    if ambassador.target_service is None:
        try:
            return [{"addr": socket.gethostbyname(target.host), "port": target.port}]
        except OSError as exc:
            raise NetworkError(f"ambassador {ambassador.name}: cannot resolve {target.host}: {exc}") from None
    wanted = {f"{project}_{k}" for k in keys}
    found = []
    summaries = api.containers(filters={"label": [f"{P}project={project}", f"{P}service={ambassador.target_service}"], "status": "running"})
    for summary in summaries:
        raw = api.inspect_container(summary["Id"])
        health = ((raw.get("State") or {}).get("Health") or {}).get("Status")
        for network, settings in ((raw.get("NetworkSettings") or {}).get("Networks") or {}).items():
            if settings.get("IPAddress") and (network in wanted or not wanted):
                found.append({"addr": settings["IPAddress"], "port": target.port, "healthy": health != "unhealthy"})
    return sorted(found, key=lambda t: (t["addr"], t["port"]))


def refresh(api, project: Project) -> None:
    """Every running ambassador of the project pointed at its target's current containers."""
    with engine_errors("ambassador targets"):
        for ambassador in project.ambassadors.values():
            name = container_name(project.name, ambassador.name)
            if ambassador.target_service is None or not _running(api, name):
                continue
            _replace_targets(api, name, targets_of(api, project.name, ambassador, list(ambassador.networks or ("default",))))


def _replace_targets(api, name: str, targets: list[dict]) -> None:
    """Write, then rename inside the container: the forwarder never reads half a file."""
    api.put_archive(name, "/", _tar({TARGETS + ".new": json.dumps(targets).encode()}))
    moved = api.exec_create(name, ["python3", "-c", f"import os; os.replace('{TARGETS}.new', '{TARGETS}')"])
    api.exec_start(moved["Id"])


def running(api, project: str) -> dict[str, dict]:
    """Ambassador name → its container's inspect data, for the project's ambassador containers."""
    with engine_errors("ambassadors"):
        summaries = api.containers(all=True, filters={"label": [f"{P}project={project}", AMBASSADOR_LABEL]})
        return {s["Labels"][AMBASSADOR_LABEL]: api.inspect_container(s["Id"]) for s in summaries}


def stats(api, name: str) -> dict:
    """The forwarder's counters (its stats file), {} when there are none yet."""
    try:
        stream, _ = api.get_archive(name, STATS)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            data = json.loads(tar.extractfile(member).read()) if member else {}
    except Exception:  # noqa: BLE001  no file yet, or a rewrite in progress: no counters this time
        return {}
    return data.get("ambassadors", {}) if isinstance(data, dict) else {}


def remove_all(api, project: str) -> list[str]:
    removed = []
    with engine_errors("remove ambassadors"):
        for ambassador, raw in running(api, project).items():
            api.remove_container(raw["Id"], force=True)
            removed.append(ambassador)
    return sorted(removed)


def _inspect(api, name: str) -> dict | None:
    try:
        return api.inspect_container(name)
    except Exception as exc:
        if is_missing(exc):
            return None
        raise


def _running(api, name: str) -> bool:
    raw = _inspect(api, name)
    return bool(raw and raw["State"]["Running"])


def _tar(files: dict[str, bytes]) -> bytes:
    return archive([(path, data, 0o644) for path, data in files.items()])
