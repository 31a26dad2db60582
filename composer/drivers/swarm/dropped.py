"""What a Swarm service cannot express, found before anything is deployed: one line per
feature and service. `up` refuses when there is any, unless --allow-dropped (then the
lines are printed as warnings and the features left out): nothing is dropped silently.
Pure: reads the model only."""

from __future__ import annotations

from composer.config.model import Project, Service

# service attribute → why Swarm cannot do it (a truthy value means it is set)
_UNSUPPORTED = {
    "privileged": "Swarm services cannot run privileged",
    "devices": "Swarm services cannot map host devices",
    "device_cgroup_rules": "Swarm services have no device cgroup rules",
    "network_mode": "Swarm services join overlay networks only",
    "container_name": "Swarm names a service's tasks itself",
    "links": "Swarm services reach each other by service name (links are not needed)",
    "external_links": "Swarm services have no links",
    "volumes_from": "Swarm services cannot share another container's volumes",
    "ipc": "Swarm services have no ipc mode",
    "uts": "Swarm services have no uts mode",
    "userns_mode": "Swarm services have no userns mode",
    "cgroup": "Swarm services have no cgroup namespace mode",
    "cgroup_parent": "Swarm places task cgroups itself",
    "security_opt": "Swarm services take no security_opt",
    "mac_address": "Swarm assigns addresses itself",
    "cpu_shares": "Swarm services have no cpu_shares (use deploy.resources)",
    "cpu_period": "Swarm services have no cpu_period",
    "cpu_quota": "Swarm services have no cpu_quota (use deploy.resources.limits.cpus)",
    "cpuset": "Swarm services have no cpuset",
    "mem_swappiness": "Swarm services have no mem_swappiness",
    "memswap_limit": "Swarm services have no memswap_limit",
    "shm_size": "Swarm services have no shm_size on this engine",
    "oom_score_adj": "Swarm services have no oom_score_adj",
    "oom_kill_disable": "Swarm services have no oom_kill_disable",
    "storage_opt": "Swarm services have no storage_opt",
    "runtime": "Swarm services run the engine's default runtime",
    "post_start": "Swarm services have no lifecycle hooks",
    "pre_stop": "Swarm services have no lifecycle hooks",
    "domainname": "Swarm services have no domainname",
    "platform": "composer does not place by platform on Swarm",
    "readiness": "x-readiness probes run in composer's supervisor, which Swarm tasks lack (use a healthcheck)",
}
_LOG_OPTIONS = {"json-file": {"max-size", "max-file", "compress", "labels", "env", "tag"}, "local": {"max-size", "max-file", "compress"}}


def dropped_features(project: Project, services: list[str] | None = None) -> list[str]:
    """One line per feature Swarm would lose, service by service, sorted."""
    lines = []
    for name in services if services is not None else sorted(project.services):
        service = project.services[name]
        for feature, why in _UNSUPPORTED.items():
            value = getattr(service, feature)
            if value:
                lines.append(f"service {name}: {feature}: {why}")
        if service.pid:
            lines.append(f"service {name}: pid: Swarm services cannot share a pid namespace")
        lines += [f"service {name}: {line}" for line in _partial(service)]
        lines += [f"service {name}: {key}: not applied on Swarm" for key in sorted(service.extras)]
    return lines


def _partial(service: Service) -> list[str]:
    """Settings Swarm takes only in part."""
    lines = []
    for port in service.ports:
        if port.host_ip not in ("", "0.0.0.0", "::"):
            lines.append(f"ports: {port.host_ip}:{port.published}:{port.target}: Swarm publishes on every address, not {port.host_ip}")
        if "-" in port.published:
            lines.append(f"ports: {port.published}: Swarm publishes single ports, not ranges")
    for mount in service.volumes:
        if mount.type not in ("bind", "volume", "tmpfs"):
            lines.append(f"volumes: {mount.target}: type {mount.type} is not supported by Swarm")
    if service.healthcheck is not None and service.healthcheck.start_interval is not None:
        lines.append("healthcheck.start_interval: this engine's Swarm API (1.41) has no start_interval")
    if service.logging is not None and service.logging.driver in _LOG_OPTIONS:
        unknown = sorted(set(service.logging.options) - _LOG_OPTIONS[service.logging.driver])
        lines += [f"logging.options.{key}: not an option of the engine's {service.logging.driver} driver" for key in unknown]
    elif service.logging is not None and service.logging.driver not in (None, "none", "syslog", "journald", "fluentd", "gelf"):
        lines.append(f"logging.driver {service.logging.driver}: not a log driver of the engine")
    for name, dependency in service.depends_on.items():
        if dependency.restart:
            lines.append(f"depends_on.{name}.restart: Swarm does not restart a service when its dependency restarts")
    return lines
