"""The project's networks and volumes on the engine, labelled as Compose v2 labels them.

A network or volume that exists is kept when its config-hash label still matches (or it has
none: made by hand); a network whose configuration changed is refused with one line rather
than silently reused, as Compose v2 asks before it recreates one.
"""

from __future__ import annotations

from composer import __version__
from composer.config.model import Project
from composer.drivers.docker.engine import engine_errors, is_missing
from composer.drivers.docker.hashes import ProjectHashes
from composer.errors import ComposerError, NetworkError

P = "com.docker.compose."


def _find_network(api, name: str) -> dict | None:
    try:
        return api.inspect_network(name)
    except Exception as exc:
        if is_missing(exc):
            return None
        raise


def missing_networks(api, project: Project, keys) -> list[str]:
    missing = []
    with engine_errors("networks"):
        for key in keys:
            network = project.networks[key]
            if _find_network(api, network.name) is not None:
                continue
            if network.external:
                raise NetworkError(f"network {network.name} declared as external, but could not be found")
            missing.append(network.name)
    return missing


def ensure_networks(api, project: Project, keys, hashes: ProjectHashes) -> None:
    with engine_errors("create networks"):
        for key in keys:
            network = project.networks[key]
            found = _find_network(api, network.name)
            if found is not None:
                _check_same(network, found, hashes.network(key))
                continue
            if network.external:
                raise NetworkError(f"network {network.name} declared as external, but could not be found")
            labels = {**network.labels, P + "config-hash": hashes.network(key), P + "network": key, P + "project": project.name, P + "version": __version__}
            ipam = None
            if network.ipam.config or network.ipam.driver:
                ipam = {
                    "Driver": network.ipam.driver or "default",
                    "Config": [_pool(p) for p in network.ipam.config],
                    "Options": dict(network.ipam.options) or None,
                }
            api.create_network(
                network.name, driver=network.driver or "bridge", options=dict(network.driver_opts) or None, ipam=ipam,
                internal=network.internal, labels=labels, enable_ipv6=bool(network.enable_ipv6), attachable=network.attachable or None,
                check_duplicate=True,
            )


def _check_same(network, found: dict, expected: str) -> None:
    if network.external:
        return
    have = (found.get("Labels") or {}).get(P + "config-hash")
    if have and have != expected:
        raise NetworkError(f"network {network.name} has a different configuration than the compose files; remove it (compose down) to recreate it")


def _pool(pool) -> dict:
    out = {"Subnet": pool.subnet, "Gateway": pool.gateway, "IPRange": pool.ip_range, "AuxiliaryAddresses": dict(pool.aux_addresses) or None}
    return {k: v for k, v in out.items() if v}


def existing_networks(api, project: Project) -> list[str]:
    with engine_errors("networks"):
        return sorted(n["Name"] for n in api.networks(filters={"label": [f"{P}project={project.name}"]}))


def remove_networks(api, project: Project, keep: set[str]) -> list[str]:
    removed = []
    with engine_errors("remove networks"):
        for name in existing_networks(api, project):
            found = _find_network(api, name)
            attached = {c.get("Name") for c in ((found or {}).get("Containers") or {}).values()}
            if found is None or attached & keep:
                continue
            try:
                api.remove_network(name)
            except Exception as exc:
                if not is_missing(exc):
                    raise
            removed.append(name)
    return removed


def missing_volumes(api, project: Project) -> list[str]:
    with engine_errors("volumes"):
        present = {v["Name"] for v in (api.volumes().get("Volumes") or [])}
    return [v.name for v in project.volumes.values() if not v.external and v.name not in present]


def ensure_volumes(api, project: Project, hashes: ProjectHashes) -> list[str]:
    made = []
    with engine_errors("create volumes"):
        for name in missing_volumes(api, project):
            volume = next(v for v in project.volumes.values() if v.name == name)
            labels = {**volume.labels, P + "config-hash": hashes.volume(volume.key), P + "project": project.name, P + "version": __version__, P + "volume": volume.key}
            api.create_volume(name, driver=volume.driver or "local", driver_opts=dict(volume.driver_opts) or None, labels=labels)
            made.append(name)
        for volume in project.volumes.values():
            if volume.external:
                try:
                    api.inspect_volume(volume.name)
                except Exception as exc:
                    if is_missing(exc):
                        raise ComposerError(f"external volume {volume.name} not found") from None
                    raise
    return made


def own_volumes(api, project: Project) -> list[dict]:
    with engine_errors("volumes"):
        return sorted(api.volumes(filters={"label": f"{P}project={project.name}"}).get("Volumes") or [], key=lambda v: v["Name"])


def remove_volumes(api, project: Project) -> list[str]:
    removed = []
    with engine_errors("remove volumes"):
        for volume in own_volumes(api, project):
            try:
                api.remove_volume(volume["Name"], force=True)
            except Exception as exc:
                if not is_missing(exc):
                    raise
            removed.append(volume["Name"])
    return removed
