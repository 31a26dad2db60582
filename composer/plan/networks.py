"""Which networks a project's services and ambassadors are on, in interface order (pure)."""

from __future__ import annotations

from collections.abc import Iterable

from composer.config.model import Project, Service, ServiceNetwork


def attached_keys(service: Service) -> list[str]:
    """The service's networks in interface order: highest priority first, then as written."""
    if service.network_mode is not None:
        return []
    order = list(service.networks)
    return sorted(order, key=lambda k: (-((service.networks[k] or ServiceNetwork()).priority or 0), order.index(k)))


def network_keys(project: Project, services: Iterable[Service], chosen: set[str]) -> list[str]:
    """The networks the services and the chosen ambassadors are on (services first)."""
    keys = [k for s in services for k in attached_keys(s)]
    return keys + [k for a in project.ambassadors.values() if a.name in chosen for k in (a.networks or ("default",))]
