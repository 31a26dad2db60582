"""The stack's shared objects: overlay networks, secrets and configs (content-named, so a
change rolls the services that use them) and, on `down`, their removal by the stack's label."""

from __future__ import annotations

import os
from collections.abc import Sequence

from composer.config.model import Project, ProjectFile
from composer.drivers.swarm import names
from composer.drivers.swarm.client import api_errors
from composer.errors import ComposerError


def ensure_networks(client, project: Project, keys: Sequence[str], report) -> dict[str, str]:
    """Network key → name; missing ones are created as attachable overlays (so one-off
    containers and `exec` helpers can join them too)."""
    found = {}
    existing = {n["Name"]: n for n in client.api.networks()}
    for key in dict.fromkeys(keys):
        network = project.networks[key]
        found[key] = network.name
        if network.name in existing:
            if not network.external and existing[network.name].get("Driver") != "overlay":
                raise ComposerError(f"network {network.name} exists with driver {existing[network.name].get('Driver')}, not overlay",
                                    "remove it, or name another network")
            continue
        if network.external:
            raise ComposerError(f"network {network.name} declared as external, but could not be found")
        ipam = None
        if network.ipam.config:
            import docker

            pools = [docker.types.IPAMPool(subnet=p.subnet, gateway=p.gateway, iprange=p.ip_range, aux_addresses=p.aux_addresses or None)
                     for p in network.ipam.config]
            ipam = docker.types.IPAMConfig(driver=network.ipam.driver or "default", pool_configs=pools)
        with api_errors(f"network {network.name}"):
            client.api.create_network(
                network.name, driver="overlay" if network.driver in (None, "bridge", "overlay") else network.driver,
                options=network.driver_opts or None, ipam=ipam, internal=network.internal, attachable=True,
                labels={**network.labels, **names.stack_labels(project.name)}, scope="swarm",
            )
        report("Network", network.name, "Created")
    return found


def ensure_files(client, project: Project, kind: str, report) -> dict[str, tuple[str, str]]:
    """Secret or config key → (object name, ID) for every one a service uses; an object is
    named by its content, so an unchanged file finds its object and a changed one makes a new one."""
    declared = project.secrets if kind == "secret" else project.configs
    used = {ref.source for s in project.services.values() for ref in (s.secrets if kind == "secret" else s.configs)}
    collection = client.secrets if kind == "secret" else client.configs
    existing = {o.name: o.id for o in collection.list()}
    found = {}
    for key in sorted(used):
        entry = declared[key]
        if entry.external:
            if entry.name not in existing:
                raise ComposerError(f"{kind} {entry.name} declared as external, but could not be found")
            found[key] = (entry.name, existing[entry.name])
            continue
        data = _content(project, entry, kind)
        name = names.content_name(project.name, key, data)
        if name not in existing:
            with api_errors(f"{kind} {name}"):
                made = collection.create(name=name, data=data, labels={**entry.labels, **names.stack_labels(project.name)})
            existing[name] = made.id
            report(kind.capitalize(), name, "Created")
        found[key] = (name, existing[name])
    return found


def _content(project: Project, entry: ProjectFile, kind: str) -> bytes:
    if entry.content is not None:
        return entry.content.encode()
    if entry.environment is not None:
        value = project.environment.get(entry.environment, os.environ.get(entry.environment))
        if value is None:
            raise ComposerError(f"{kind} {entry.key}: environment variable {entry.environment} is not set")
        return value.encode()
    if entry.file is None:
        raise ComposerError(f"{kind} {entry.key}: no file, content or environment to read it from")
    try:
        with open(entry.file, "rb") as source:
            return source.read()
    except OSError as exc:
        raise ComposerError(f"{kind} {entry.key}: cannot read {entry.file}: {exc.strerror}") from None


def remove_unused_files(client, project: str, keep: set[str], report) -> None:
    """The stack's secrets and configs no service refers to any more (older contents)."""
    for kind, collection in (("Secret", client.secrets), ("Config", client.configs)):
        for entry in collection.list(filters=names.namespace_filter(project)):
            if entry.name not in keep:
                _remove(entry, f"{kind.lower()} {entry.name}")
                report(kind, entry.name, "Removed")


def remove_labelled(collection, kind: str, project: str, report) -> list[str]:
    """The stack's objects of one collection (client.networks, client.volumes: volumes only
    on this node, where Swarm made them per node)."""
    removed = []
    for entry in collection.list(filters=names.namespace_filter(project)):
        _remove(entry, f"{kind.lower()} {entry.name}")
        report(kind, entry.name, "Removed")
        removed.append(entry.name)
    return removed


def _remove(entry, what: str) -> None:
    import docker

    try:
        with api_errors(f"remove {what}"):
            entry.remove()
    except ComposerError:
        try:
            entry.reload()
        except docker.errors.NotFound:
            return  # gone meanwhile: removed is what was asked
        raise
