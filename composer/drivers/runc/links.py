"""Docker's legacy link variables: `links: [db:database]` gives the linking container
DATABASE_PORT=tcp://10.213.0.2:5432, DATABASE_PORT_5432_TCP_ADDR=10.213.0.2 and friends,
DATABASE_NAME and DATABASE_ENV_<VAR> from the linked service's environment."""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.drivers.runc import networks


def link_environment(project: Project, service: Service) -> dict[str, str]:
    """The variables for every link of `service` whose target has an address now."""
    addresses = {}
    for endpoint in networks.endpoints(project.name):
        addresses.setdefault(endpoint.service, endpoint.ip)  # the first replica, as Docker links did
    env: dict[str, str] = {}
    for link in service.links:
        target_name, _, alias = link.partition(":")
        target = project.services.get(target_name)
        if target is None or target_name not in addresses:
            continue
        env.update(_variables((alias or target_name), target, addresses[target_name], service.name))
    return env


def _variables(alias: str, target: Service, ip: str, linker: str) -> dict[str, str]:
    prefix = alias.upper().replace("-", "_").replace(".", "_")
    env = {f"{prefix}_NAME": f"/{linker}/{alias}"}
    for port, protocol in _ports(target):
        base = f"{prefix}_PORT_{port}_{protocol.upper()}"
        env.update({base: f"{protocol}://{ip}:{port}", f"{base}_ADDR": ip, f"{base}_PORT": str(port), f"{base}_PROTO": protocol})
    ports = _ports(target)
    if ports:
        env[f"{prefix}_PORT"] = f"{ports[0][1]}://{ip}:{ports[0][0]}"
    for key, value in target.environment.items():
        if value is not None:
            env[f"{prefix}_ENV_{key}"] = value
    return env


def _ports(service: Service) -> list[tuple[int, str]]:
    """Exposed and published container ports, lowest first (Docker's order)."""
    found = {(p.target, p.protocol) for p in service.ports}
    for item in service.expose:
        number, _, protocol = item.partition("/")
        first, _, last = number.partition("-")
        found |= {(port, protocol or "tcp") for port in range(int(first), int(last or first) + 1)}
    return sorted(found)
