"""Targets files: the live replicas of a service that a forwarder (an ambassador's, or the
published ports') spreads new connections over, rewritten atomically whenever a replica
is created, removed or changes health, and re-read by the forwarders on each connection.

    <run>/projects/<p>/proxies/<name>/target-spec.json targets.json
    <run>/projects/<p>/proxies/ports/spec-<n>-<name>.json targets-<n>-<name>.json
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from composer.crash import crash_point
from composer.drivers.runc import networks, records
from composer.drivers.runc.keepers import PORTS, ambassador_netns, proxy_dir
from composer.errors import from_netplugins


@from_netplugins
def refresh_targets(project_name: str, list_containers: Callable[[], list]) -> None:
    """Point every service-targeting forwarder at the service's current replicas (the
    containers are listed only when some forwarder targets a service)."""
    root = records.project_dir(project_name) / "proxies"
    ports = proxy_dir(project_name, PORTS)
    targets = [(spec, spec.parent / "targets.json") for spec in sorted(root.glob("*/target-spec.json"))] if root.is_dir() else []
    targets += [(spec, ports / spec.name.replace("spec-", "targets-")) for spec in sorted(ports.glob("spec-*.json"))] if ports.is_dir() else []
    containers = list_containers() if targets else []
    for spec_path, targets_path in targets:
        write_service_targets(project_name, targets_path, json.loads(spec_path.read_text()), containers)
        crash_point("targets.written")


def write_service_targets(project_name: str, path: Path, spec: dict, containers) -> None:
    from netplugins.forwarder.api import write_targets  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    states = {state.name: state for state in containers}
    found = []
    for endpoint in networks.endpoints(project_name):
        if endpoint.service != spec["service"] or endpoint.network not in spec["networks"] or not _targeted(endpoint, spec):
            continue
        state = states.get(endpoint.owner)
        if endpoint.owner == ambassador_netns(project_name, endpoint.service):
            healthy = True  # an ambassador published on the host: its forwarder is the target
        elif state is None or state.status not in ("running", "restarting"):
            continue
        else:
            healthy = state.health is None or state.health.status != "unhealthy"
        found.append((endpoint.ip, spec["port"], healthy))
    write_targets(str(path), sorted(set(found)), spec["protocol"])


def _targeted(endpoint, spec: dict) -> bool:
    """The one-off a `run -p` published for, or else the service's replicas (never its one-offs)."""
    one_off = spec.get("container")
    return endpoint.owner == one_off if one_off else endpoint.by_service
