"""A compose service → the Engine API's container create body, as Compose v2 fills it.

Pure: no engine call. What the engine cannot be told here (the second and later networks,
in-memory secrets) is returned beside the body for the driver to do after create.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass, field
from typing import Any

from composer import __version__
from composer.config.model import Mount, Project, Service
from composer.errors import ComposerError

P = "com.docker.compose."
PUMPED_LOG_DRIVER = "file"  # composer's host-path file logs: written by log_pump.py from the engine's stream
ENGINE_LOG_DRIVERS = ("json-file", "local", "none", "syslog", "journald", "gelf", "fluentd", "awslogs", "splunk", "etwlogs", "gcplogs")


@dataclass(frozen=True)
class DockerSpec:
    """One desired container: its create body and what `up` compares (Compose's own test:
    the config-hash label and the image it was made from)."""

    name: str
    number: int
    config_hash: str
    image_id: str
    body: dict[str, Any]
    extra_networks: dict[str, dict[str, Any]] = field(default_factory=dict)  # full name → endpoint config
    files: tuple[tuple[str, bytes, int], ...] = ()  # (target path, content, mode) put after create

    def spec_hash(self) -> str:
        return f"{self.config_hash}:{self.image_id}"


def labels(project: Project, service: Service, number: int, config_hash: str, image_id: str, oneoff: bool) -> dict[str, str]:
    """The service's own labels under Compose v2's (which win)."""
    depends = ",".join(f"{name}:{d.condition}:{str(d.restart).lower()}" for name, d in sorted(service.depends_on.items()))
    return {
        **service.labels,
        P + "project": project.name,
        P + "service": service.name,
        P + "container-number": str(number),
        P + "oneoff": "True" if oneoff else "False",
        P + "config-hash": config_hash,
        P + "image": image_id,
        P + "depends_on": depends,
        P + "project.working_dir": str(project.project_dir),
        P + "project.config_files": ",".join(str(f) for f in project.compose_files),
        P + "version": __version__,
    }


def container_body(project: Project, service: Service, image_ref: str, label_map: dict[str, str], network_mode: str | None) -> dict[str, Any]:
    _refuse_unsupported(service)
    config: dict[str, Any] = {
        "Image": image_ref,
        "Labels": label_map,
        "AttachStdout": True,
        "AttachStderr": True,
        "Tty": service.tty,
        "OpenStdin": service.stdin_open,
        "Env": [f"{k}={v}" for k, v in service.environment.items() if v is not None],
        "ExposedPorts": {_port_key(p.target, p.protocol): {} for p in service.ports} | {_expose_key(e): {} for e in service.expose},
    }
    _put(config, "Hostname", service.hostname)
    _put(config, "Domainname", service.domainname)
    _put(config, "User", service.user)
    _put(config, "WorkingDir", service.working_dir)
    _put(config, "StopSignal", service.stop_signal)
    _put(config, "MacAddress", service.mac_address)
    if service.command is not None:
        config["Cmd"] = list(service.command)
    if service.entrypoint is not None:
        config["Entrypoint"] = list(service.entrypoint)
    if service.stop_grace_period is not None:
        config["StopTimeout"] = service.stop_grace_period // 1_000_000_000
    if service.healthcheck is not None:
        config["Healthcheck"] = _healthcheck(service)
    config["HostConfig"] = _host_config(project, service, network_mode)
    return config


def _refuse_unsupported(service: Service) -> None:
    driver = service.logging.driver if service.logging else None
    if driver and driver not in ENGINE_LOG_DRIVERS and driver != PUMPED_LOG_DRIVER:
        raise ComposerError(f"service {service.name}: log driver {driver!r} is composer's own; the docker driver supports the engine's ({', '.join(ENGINE_LOG_DRIVERS[:3])}, …) and {PUMPED_LOG_DRIVER}")


def pumped_logs(service: Service) -> bool:
    """composer's own file logs: driver `file`, or `json-file` at a host `path` (an option the
    engine's json-file does not have)."""
    logging = service.logging
    return bool(logging and (logging.driver == PUMPED_LOG_DRIVER or (logging.driver == "json-file" and "path" in logging.options)))


def _put(target: dict, key: str, value) -> None:
    if value not in (None, "", (), [], {}):
        target[key] = value


def _port_key(target: int, protocol: str) -> str:
    return f"{target}/{protocol or 'tcp'}"


def _expose_key(text: str) -> str:
    return text if "/" in text else f"{text}/tcp"


def _healthcheck(service: Service) -> dict[str, Any]:
    check = service.healthcheck
    if check.disable:
        return {"Test": ["NONE"]}
    out: dict[str, Any] = {}
    _put(out, "Test", list(check.test) if check.test else None)
    for key, value in (("Interval", check.interval), ("Timeout", check.timeout), ("StartPeriod", check.start_period), ("StartInterval", check.start_interval), ("Retries", check.retries)):
        if value is not None:
            out[key] = value
    return out


def _host_config(project: Project, service: Service, network_mode: str | None) -> dict[str, Any]:
    host: dict[str, Any] = {"NetworkMode": network_mode or "none"}
    binds, mounts = _mounts(project, service)
    _put(host, "Binds", binds)
    _put(host, "Mounts", mounts)
    _put(host, "Tmpfs", {path.split(":", 1)[0]: (path.split(":", 1)[1] if ":" in path else "") for path in service.tmpfs})
    _put(host, "PortBindings", _port_bindings(service))
    _put(host, "RestartPolicy", _restart(service))
    host["Init"] = service.init
    host["Privileged"] = service.privileged
    host["ReadonlyRootfs"] = service.read_only
    for key, value in (
        ("CapAdd", list(service.cap_add)), ("CapDrop", list(service.cap_drop)), ("Dns", list(service.dns)),
        ("DnsSearch", list(service.dns_search)), ("DnsOptions", list(service.dns_opt)),
        ("ExtraHosts", [h.replace("=", ":", 1) for h in service.extra_hosts]), ("GroupAdd", list(service.group_add)),
        ("SecurityOpt", list(service.security_opt)), ("Sysctls", dict(service.sysctls)), ("ShmSize", service.shm_size),
        ("IpcMode", service.ipc), ("PidMode", service.pid), ("UTSMode", service.uts), ("UsernsMode", service.userns_mode),
        ("CgroupnsMode", service.cgroup), ("CgroupParent", service.cgroup_parent), ("Runtime", service.runtime),
        ("OomScoreAdj", service.oom_score_adj), ("OomKillDisable", service.oom_kill_disable),
        ("Links", [link if ":" in link else f"{link}:{link}" for link in service.external_links]),
        ("VolumesFrom", list(service.volumes_from)), ("DeviceCgroupRules", list(service.device_cgroup_rules)),
        ("Devices", [_device(d) for d in service.devices]), ("StorageOpt", dict(service.storage_opt)),
        ("Ulimits", [{"Name": name, "Soft": u.soft, "Hard": u.hard} for name, u in sorted(service.ulimits.items())]),
    ):
        _put(host, key, value)
    host.update(_resources(service))
    if pumped_logs(service):  # the engine keeps a small log of its own; log_pump.py writes ours
        host["LogConfig"] = {"Type": "local", "Config": {"max-size": "10m", "max-file": "2"}}
    elif service.logging and (service.logging.driver or service.logging.options):
        host["LogConfig"] = {"Type": service.logging.driver or "json-file", "Config": dict(service.logging.options)}
    return host


def _device(text: str) -> dict[str, str]:
    source, target, permissions = text.split(":")
    return {"PathOnHost": source, "PathInContainer": target, "CgroupPermissions": permissions}


def _resources(service: Service) -> dict[str, Any]:
    limits = service.deploy.resources.limits if service.deploy and service.deploy.resources and service.deploy.resources.limits else None
    reservations = service.deploy.resources.reservations if service.deploy and service.deploy.resources else None
    memory = service.mem_limit or (limits.memory if limits else None)
    cpus = service.cpus or (limits.cpus if limits else None)
    pids = service.pids_limit or (limits.pids if limits else None)
    out: dict[str, Any] = {}
    _put(out, "Memory", memory)
    _put(out, "MemorySwap", service.memswap_limit)
    _put(out, "MemoryReservation", service.mem_reservation or (reservations.memory if reservations else None))
    _put(out, "MemorySwappiness", service.mem_swappiness)
    _put(out, "NanoCpus", int(cpus * 1e9) if cpus else None)
    _put(out, "CpuShares", service.cpu_shares)
    _put(out, "CpuPeriod", service.cpu_period)
    _put(out, "CpuQuota", service.cpu_quota)
    _put(out, "CpusetCpus", service.cpuset)
    _put(out, "PidsLimit", pids)
    return out


def _restart(service: Service) -> dict[str, Any] | None:
    policy = service.restart
    if policy is None and service.deploy and service.deploy.restart_policy:  # deploy's, as Compose maps it
        rp = service.deploy.restart_policy
        name = {"any": "always", "on-failure": "on-failure", "none": "no"}.get(rp.condition or "any", "no")
        return {"Name": name, "MaximumRetryCount": rp.max_attempts or 0}
    if not policy:
        return None
    name, _, count = policy.partition(":")
    return {"Name": name, "MaximumRetryCount": int(count) if count else 0}


def _port_bindings(service: Service) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for port in service.ports:
        out.setdefault(_port_key(port.target, port.protocol), []).append({"HostIp": port.host_ip, "HostPort": port.published})
    return out


def _mounts(project: Project, service: Service) -> tuple[list[str], list[dict[str, Any]]]:
    """Short-syntax volumes and binds as Binds (the engine makes a missing bind source, as
    Compose asks); the rest as Mounts; secrets and configs from files as read-only binds."""
    binds: list[str] = []
    mounts: list[dict[str, Any]] = []
    for mount in service.volumes:
        mode = "ro" if mount.read_only else "rw"
        if mount.type == "volume" and mount.source:
            volume = project.volumes.get(mount.source)
            source = volume.name if volume else mount.source
            if mount.volume and (mount.volume.nocopy or mount.volume.subpath):
                mounts.append({"Type": "volume", "Source": source, "Target": mount.target, "ReadOnly": mount.read_only, "VolumeOptions": _volume_options(mount)})
            else:
                binds.append(f"{source}:{mount.target}:{mode}")
        elif mount.type == "bind" and (mount.bind is None or mount.bind.create_host_path):
            binds.append(f"{mount.source}:{mount.target}:{mode}")
        else:
            mounts.append(_mount(mount))
    for kind, refs, files in (("secret", service.secrets, project.secrets), ("config", service.configs, project.configs)):
        for ref in refs:
            declared = files.get(ref.source)
            if declared is not None and declared.file:
                binds.append(f"{declared.file}:{file_target(kind, ref)}:ro")
    return binds, mounts


def file_target(kind: str, ref) -> str:
    if kind == "secret":
        return ref.target if ref.target and ref.target.startswith("/") else f"/run/secrets/{ref.target or ref.source}"
    return ref.target or f"/{ref.source}"


def _volume_options(mount: Mount) -> dict[str, Any]:
    out: dict[str, Any] = {"NoCopy": bool(mount.volume.nocopy)}
    if mount.volume.subpath:
        out["Subpath"] = mount.volume.subpath
    return out


def _mount(mount: Mount) -> dict[str, Any]:
    if mount.type == "tmpfs":
        options: dict[str, Any] = {}
        if mount.tmpfs:
            _put(options, "SizeBytes", mount.tmpfs.size)
            _put(options, "Mode", mount.tmpfs.mode)
        return {"Type": "tmpfs", "Target": mount.target, "TmpfsOptions": options}
    if mount.type == "volume":  # anonymous
        return {"Type": "volume", "Target": mount.target, "ReadOnly": mount.read_only}
    if mount.type == "bind":
        out: dict[str, Any] = {"Type": "bind", "Source": mount.source, "Target": mount.target, "ReadOnly": mount.read_only}
        if mount.bind and mount.bind.propagation:
            out["BindOptions"] = {"Propagation": mount.bind.propagation}
        return out
    raise ComposerError(f"volume at {mount.target}: type {mount.type!r} is not supported by the docker driver")


def endpoint(service: Service, key: str, container_name: str) -> dict[str, Any]:
    """The endpoint on network `key`: Compose's aliases (container name, service, its own) and static IPs."""
    attach = service.networks.get(key)
    aliases = [container_name, service.name, *(attach.aliases if attach else ())]
    out: dict[str, Any] = {"Aliases": list(dict.fromkeys(aliases))}
    if attach is not None:
        ipam = {}
        _put(ipam, "IPv4Address", attach.ipv4_address)
        _put(ipam, "IPv6Address", attach.ipv6_address)
        _put(ipam, "LinkLocalIPs", list(attach.link_local_ips))
        if ipam:
            out["IPAMConfig"] = ipam
        _put(out, "MacAddress", attach.mac_address)
        _put(out, "DriverOpts", dict(attach.driver_opts))
    return out


def network_order(project: Project, service: Service) -> list[str]:
    """The service's network keys, highest priority first, then by full name (Compose's order)."""

    def key(k: str) -> tuple[int, str]:
        attach = service.networks.get(k)
        return (-(attach.priority or 0) if attach else 0, project.networks[k].name if k in project.networks else k)

    return sorted(service.networks, key=key)


def in_memory_files(project: Project, service: Service, environ: dict[str, str]) -> tuple[tuple[str, bytes, int], ...]:
    """Secrets and configs with `content:` or `environment:`: copied in after create, as Compose does."""
    out = []
    for kind, refs, files in (("secret", service.secrets, project.secrets), ("config", service.configs, project.configs)):
        for ref in refs:
            declared = files.get(ref.source)
            if declared is None or declared.file:
                continue
            text = declared.content if declared.content is not None else environ.get(declared.environment or "", "")
            out.append((file_target(kind, ref), text.encode(), ref.mode if ref.mode is not None else 0o444))
    return tuple(out)


def archive(files) -> bytes:
    """A tar of (path, content, mode) entries, to put into a container at /."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path, content, mode in files:
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(content), mode
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()
