"""A compose service as a Swarm ServiceSpec (the Engine API's JSON), and its hash.

Pure: the model, the image reference and the names of the stack's objects in, a dict
out. The hash of that dict is stored as a service label (names.SPEC_HASH), so `up`
compares desired with deployed without re-reading Swarm's normalised spec: equal hashes
leave the service alone, a different one updates it in place.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from composer.config.model import Project, Service
from composer.config.units import parse_duration
from composer.drivers.swarm import names

_RESTART = {"no": "none", "always": "any", "unless-stopped": "any", "on-failure": "on-failure"}


@dataclass(frozen=True)
class StackContext:
    """What a spec needs beyond the service: real names of the stack's objects."""

    project: str
    networks: dict[str, str]  # network key → name
    secrets: dict[str, tuple[str, str]]  # secret key → (content-hashed object name, its ID)
    configs: dict[str, tuple[str, str]]
    volumes: dict[str, str]  # volume key → name
    endpoint_mode: str = "vip"  # "dnsrr" where the kernel has no IPVS
    one_shot: frozenset[str] = field(default_factory=frozenset)  # services others wait to complete


def service_spec(project: Project, service: Service, image: str, context: StackContext) -> dict:
    """The ServiceSpec, with the hash of everything else in its labels."""
    spec = {
        "Name": names.service_name(project.name, service.name),
        "Labels": {**(service.deploy.labels if service.deploy else {}), **names.stack_labels(project.name),
                   names.STACK_IMAGE: image},
        "TaskTemplate": _task_template(project, service, image, context),
        "Mode": _mode(service),
        "EndpointSpec": _endpoint(service, context),
    }
    deploy = service.deploy
    for key, value in (("UpdateConfig", deploy and deploy.update_config), ("RollbackConfig", deploy and deploy.rollback_config)):
        if value:
            spec[key] = _update_config(value)
    digest = spec_hash(spec)
    spec["Labels"][names.SPEC_HASH] = digest
    spec["TaskTemplate"]["ContainerSpec"]["Labels"][names.SPEC_HASH] = digest  # tasks say which spec they run
    return spec


def spec_hash(spec: dict) -> str:
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def _task_template(project: Project, service: Service, image: str, context: StackContext) -> dict:
    template = {
        "ContainerSpec": _container(project, service, image, context),
        "RestartPolicy": _restart(service, context),
        "Networks": [
            {"Target": context.networks[key], "Aliases": [service.name, *(attached.aliases if attached else ())]}
            for key, attached in sorted(service.networks.items())
        ],
    }
    resources = _resources(service)
    if resources:
        template["Resources"] = resources
    placement = _placement(service)
    if placement:
        template["Placement"] = placement
    if service.logging is not None and service.logging.driver:
        template["LogDriver"] = {"Name": service.logging.driver, "Options": dict(service.logging.options)}
    return template


def _container(project: Project, service: Service, image: str, context: StackContext) -> dict:
    container: dict = {
        "Image": image,
        "Labels": {**service.labels, **names.stack_labels(project.name),
                   names.PROJECT: project.name, names.SERVICE: service.name},
        "Env": sorted(f"{k}={v}" for k, v in service.environment.items() if v is not None),
    }
    optional = {
        "Command": list(service.entrypoint) if service.entrypoint is not None else None,
        "Args": list(service.command) if service.command is not None else None,
        "Dir": service.working_dir, "User": service.user, "Hostname": service.hostname,
        "StopSignal": service.stop_signal, "StopGracePeriod": service.stop_grace_period,
        "TTY": service.tty or None, "OpenStdin": service.stdin_open or None, "Init": service.init,
        "ReadOnly": service.read_only or None,
        "Groups": list(service.group_add) or None,
        "CapabilityAdd": list(service.cap_add) or None, "CapabilityDrop": list(service.cap_drop) or None,
        "Sysctls": dict(service.sysctls) or None,
        "Hosts": [f"{ip} {host}" for host, _, ip in (e.partition("=") for e in service.extra_hosts)] or None,
        "Ulimits": [{"Name": k, "Soft": u.soft, "Hard": u.hard} for k, u in sorted(service.ulimits.items())] or None,
        "Healthcheck": _healthcheck(service),
        "Mounts": _mounts(service, context) or None,
        "Secrets": _files(service.secrets, context.secrets, "SecretName", "SecretID", "/run/secrets/") or None,
        "Configs": _files(service.configs, context.configs, "ConfigName", "ConfigID", "/") or None,
    }
    if service.dns or service.dns_search or service.dns_opt:
        optional["DNSConfig"] = {"Nameservers": list(service.dns), "Search": list(service.dns_search), "Options": list(service.dns_opt)}
    container.update({k: v for k, v in optional.items() if v is not None})
    return container


def _healthcheck(service: Service) -> dict | None:
    check = service.healthcheck
    if check is None:
        return None
    if check.disable:
        return {"Test": ["NONE"]}
    found = {"Test": list(check.test) if check.test else None, "Interval": check.interval, "Timeout": check.timeout,
             "StartPeriod": check.start_period, "Retries": check.retries}
    return {k: v for k, v in found.items() if v is not None}


def _mounts(service: Service, context: StackContext) -> list[dict]:
    found = []
    for mount in service.volumes:
        entry: dict = {"Type": mount.type, "Target": mount.target, "ReadOnly": mount.read_only}
        if mount.type == "volume":
            if mount.source:
                entry["Source"] = context.volumes.get(mount.source, mount.source)
                entry["VolumeOptions"] = {"Labels": names.stack_labels(context.project)}  # `down -v` finds it by label
        elif mount.type == "bind":
            entry["Source"] = mount.source
        elif mount.type == "tmpfs" and mount.tmpfs is not None:
            entry["TmpfsOptions"] = {k: v for k, v in (("SizeBytes", mount.tmpfs.size), ("Mode", mount.tmpfs.mode)) if v is not None}
        found.append(entry)
    for target in service.tmpfs:
        found.append({"Type": "tmpfs", "Target": target.split(":", 1)[0]})
    return found


def _files(references, objects: dict[str, tuple[str, str]], name_key: str, id_key: str, prefix: str) -> list[dict]:
    """Secret/config references (the API wants both the name and the ID)."""
    found = []
    for ref in references:
        target = ref.target or ref.source  # the model makes targets absolute (/run/secrets/<key> by default)
        entry = {
            "File": {"Name": target if target.startswith("/") else prefix + target,
                     "UID": ref.uid or "0", "GID": ref.gid or "0", "Mode": ref.mode if ref.mode is not None else 0o444},
            name_key: objects[ref.source][0],
            id_key: objects[ref.source][1],
        }
        found.append(entry)
    return found


def _restart(service: Service, context: StackContext) -> dict:
    """deploy.restart_policy; else the service's `restart:`; else `none` for a service others
    wait to complete (a one-shot must not be restarted for ever), else Swarm's `any`."""
    policy = service.deploy.restart_policy if service.deploy else None
    if policy is not None:
        found = {"Condition": policy.condition, "Delay": policy.delay, "MaxAttempts": policy.max_attempts, "Window": policy.window}
        return {k: v for k, v in found.items() if v is not None}
    if service.restart:
        kind, _, attempts = service.restart.partition(":")
        found = {"Condition": _RESTART.get(kind, "any")}
        if attempts.isdigit():
            found["MaxAttempts"] = int(attempts)
        return found
    return {"Condition": "none" if service.name in context.one_shot else "any"}


def _resources(service: Service) -> dict:
    limits: dict = {}
    reservations: dict = {}
    declared = service.deploy.resources if service.deploy else None
    if declared and declared.limits:
        limits = {"NanoCPUs": _nano(declared.limits.cpus), "MemoryBytes": declared.limits.memory, "Pids": declared.limits.pids}
    if declared and declared.reservations:
        reservations = {"NanoCPUs": _nano(declared.reservations.cpus), "MemoryBytes": declared.reservations.memory}
    limits.setdefault("MemoryBytes", None)
    limits["MemoryBytes"] = limits["MemoryBytes"] or service.mem_limit  # the service-level keys, as Compose applies them
    limits["NanoCPUs"] = limits.get("NanoCPUs") or _nano(service.cpus)
    limits["Pids"] = limits.get("Pids") or service.pids_limit
    reservations["MemoryBytes"] = reservations.get("MemoryBytes") or service.mem_reservation
    found = {}
    for key, values in (("Limits", limits), ("Reservations", reservations)):
        values = {k: v for k, v in values.items() if v}
        if values:
            found[key] = values
    return found


def _nano(cpus: float | None) -> int | None:
    return int(round(cpus * 1e9)) if cpus else None


def _placement(service: Service) -> dict:
    written = (service.deploy.placement if service.deploy else None) or {}
    found: dict = {}
    if written.get("constraints"):
        found["Constraints"] = list(written["constraints"])
    if written.get("preferences"):
        found["Preferences"] = [{"Spread": {"SpreadDescriptor": p["spread"]}} for p in written["preferences"] if "spread" in p]
    if written.get("max_replicas_per_node") is not None:
        found["MaxReplicas"] = int(written["max_replicas_per_node"])
    return found


def _mode(service: Service) -> dict:
    mode = (service.deploy.mode if service.deploy else None) or "replicated"
    if mode == "global":
        return {"Global": {}}
    if mode == "replicated-job":
        return {"ReplicatedJob": {"MaxConcurrent": service.replicas, "TotalCompletions": service.replicas}}
    if mode == "global-job":
        return {"GlobalJob": {}}
    return {"Replicated": {"Replicas": service.replicas}}


def _endpoint(service: Service, context: StackContext) -> dict:
    """VIP where the kernel has IPVS; else DNS round robin, whose ports must be host mode."""
    written = service.deploy.endpoint_mode if service.deploy else None
    mode = "dnsrr" if context.endpoint_mode == "dnsrr" else (written or "vip")
    ports = [
        {"Protocol": port.protocol, "TargetPort": port.target, "PublishedPort": int(port.published.split("-")[0]),
         "PublishMode": "host" if mode == "dnsrr" else port.mode}
        for port in service.ports if port.published
    ]
    return {"Mode": mode, "Ports": ports} if ports else {"Mode": mode}


def _update_config(written: dict) -> dict:
    keys = {"parallelism": "Parallelism", "failure_action": "FailureAction", "max_failure_ratio": "MaxFailureRatio", "order": "Order"}
    found = {keys[k]: v for k, v in written.items() if k in keys}
    for key, api in (("delay", "Delay"), ("monitor", "Monitor")):
        if key in written:
            found[api] = parse_duration(written[key])
    if "Order" in found:
        found["Order"] = {"start-first": "start-first", "stop-first": "stop-first"}.get(found["Order"], found["Order"])
    return found
