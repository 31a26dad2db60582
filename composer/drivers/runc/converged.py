"""The no-op `up -d` fast path: nothing changed since the last `up` that converged the project.

Planning the normal way needs the dependency graph (networkx), the image store and the
network plugins: about 0.3 s of imports before any work. So after an `up` that brought
every service to its wanted state we record what it reached: a fingerprint of the
project (its whole model, composer's version, the image store's index) and, for each
container, its spec hash, plus the host interfaces and proxies it relies on. A later
`up -d` without options that change the plan checks that record against what is live:
every recorded container running under a live supervisor with the same spec, no other
container of the project, every interface and proxy still there. Only if all of that
holds does it report the containers as running and stop; anything else takes the normal
path, which decides exactly as before. The record is advice, never trusted alone.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path

from composer import __version__, paths
from composer.atomic import write_json_atomically
from composer.config.model import Project
from composer.crash import crash_point
from composer.drivers.runc import records
from composer.runtime.layout import ContainerPaths

RECORD = "converged.json"


def fingerprint(project: Project) -> str:
    """Changes whenever the model, composer or any image tag in the store changes."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    # Frozen dataclasses: the repr holds every field. The interpolation environment is left
    # out: what it changed is already in the services, and shells vary it between commands.
    digest.update(repr(replace(project, environment={}, warnings=())).encode())
    digest.update(_store_index_version().encode())
    return digest.hexdigest()


def record(project: Project, containers: list, interfaces: list[str], proxies: list[str]) -> None:
    """After an `up` that converged everything: what the fast path will check next time."""
    write_json_atomically(_record_path(project.name), {
        "fingerprint": fingerprint(project),
        "containers": {state.name: state.spec_hash for state in containers},
        "interfaces": sorted(interfaces),
        "proxies": sorted(proxies),
    })


def record_live(project: Project, containers: list) -> None:
    """record() what is live now: the containers, their host interfaces, the running proxies."""
    from composer.drivers.runc import networks  # on use: the fast path (unchanged) needs none of it
    from composer.drivers.runc.keepers import PORTS, keeper_pid  # on use: as above

    if any(state.service not in project.services for state in containers):
        return  # orphans: every `up` should keep saying so
    interfaces = []
    for state in containers:
        attached = networks.load_record(project.name, state.name) or {}
        interfaces += [entry["result"]["host_ifname"] for entry in attached.get("networks", {}).values()
                       if entry.get("result", {}).get("host_ifname")]
    running_proxies = [name for name in (*project.ambassadors, PORTS) if keeper_pid(project.name, name)]
    crash_point("up.converging")
    record(project, containers, interfaces, running_proxies)


def forget(project_name: str) -> None:
    _record_path(project_name).unlink(missing_ok=True)


def unchanged(project: Project, runtime) -> list | None:
    """The project's containers (states, by name) when the last converged state still holds; else None."""
    try:
        saved = json.loads(_record_path(project.name).read_text())
    except (OSError, ValueError):
        return None
    if saved.get("fingerprint") != fingerprint(project):
        return None
    wanted = saved.get("containers", {})
    live = {state.name: state for state in runtime.list(project.name)}
    if live.keys() != wanted.keys():
        return None
    for name, state in live.items():
        if state.status != "running" or not state.supervisor_alive or state.spec_hash != wanted[name]:
            return None
        if ContainerPaths.for_name(name).stop_request.exists():  # being stopped (by a down killed mid-way?)
            return None
    if not all(os.path.exists(f"/sys/class/net/{name}") for name in saved.get("interfaces", [])):
        return None
    if not all(_proxy_alive(project.name, name) for name in saved.get("proxies", [])):
        return None
    return [live[name] for name in sorted(live)]


def _proxy_alive(project_name: str, name: str) -> bool:
    from composer.drivers.runc.keepers import keeper_pid  # on use: ~6 ms the no-op `up -d` of a project without proxies saves

    return keeper_pid(project_name, name) is not None


def _store_index_version() -> str:
    try:
        info = os.stat(paths.data_root() / "images" / "index.json")
    except OSError:
        return "none"
    return f"{info.st_ino}:{info.st_mtime_ns}:{info.st_size}"


def _record_path(project_name: str) -> Path:
    return records.project_dir(project_name) / RECORD
