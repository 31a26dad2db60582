"""From a compose service (plus its image and host facts) to the runtime's ContainerSpec.

Pure: every host-side fact (image layers, where volumes and secrets live, the network
namespace) comes in as HostFacts, prepared by the actions that made them. The rules
are Docker's: an entrypoint set by the service drops the image's Cmd; the service's
environment is laid over the image's; the service's healthcheck replaces the image's.
x-readiness (composer's own) passes through with its defaults filled in.
"""

from __future__ import annotations

import hashlib
import os
import signal as signals
from dataclasses import dataclass, field

from composer.config.model import Healthcheck as ServiceHealthcheck
from composer.config.model import Mount as ServiceMount
from composer.config.model import Project
from composer.config.model import Readiness as ServiceReadiness
from composer.config.units import parse_size
from composer.config.model import FileReference, Service
from composer.errors import ComposerError
from composer.images.config import ImageConfig
from composer.plan.service import container_name
from composer.runtime.spec import ContainerSpec, Healthcheck, LogConfig, Mount, Readiness, Resources, RestartPolicy, Ulimit

SECOND = 1_000_000_000
DEFAULT_STOP_GRACE = 10 * SECOND


@dataclass(frozen=True)
class HostFacts:
    """What the host side already prepared for one container."""

    lowerdirs: tuple[str, ...]
    volume_dirs: dict[str, str] = field(default_factory=dict)  # project volume key → host dir
    anonymous_root: str = ""  # where this container's anonymous volumes live
    secret_files: dict[str, str] = field(default_factory=dict)  # secret's target in the container → host copy
    config_files: dict[str, str] = field(default_factory=dict)  # project config key → host file
    netns: str | None = None  # None: private (lo only), "host", or a netns path
    extra_mounts: tuple[Mount, ...] = ()  # /etc/hosts, /etc/resolv.conf … from networking
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. legacy link variables
    log_dir: str | None = None


def build_container_spec(project: Project, service: Service, number: int, image: ImageConfig, facts: HostFacts) -> ContainerSpec:
    name = container_name(project, service, number)
    try:
        return ContainerSpec(
            name=name,
            project=project.name,
            service=service.name,
            args=_args(service, image),
            lowerdirs=facts.lowerdirs,
            env=_environment(service, image, facts, name),
            cwd=service.working_dir or image.working_dir or "/",
            user=service.user if service.user is not None else image.user,
            group_add=service.group_add,
            tty=service.tty,
            hostname=service.hostname or name,
            domainname=service.domainname or "",
            read_only=service.read_only,
            mounts=_mounts(service, image, facts) + facts.extra_mounts,
            shm_size=service.shm_size or 64 * 1024 * 1024,
            resources=_resources(service),
            ulimits=tuple(Ulimit(key, u.soft, u.hard) for key, u in service.ulimits.items()),
            sysctls=dict(service.sysctls),
            cap_add=service.cap_add,
            cap_drop=service.cap_drop,
            privileged=service.privileged,
            no_new_privileges=_security_flag(service, "no-new-privileges", "true") != "false",
            seccomp=_security_flag(service, "seccomp", "default"),
            init=bool(service.init),
            netns=facts.netns,
            stop_signal=_signal_name(service.stop_signal or image.stop_signal or "SIGTERM"),
            stop_grace=(service.stop_grace_period if service.stop_grace_period is not None else DEFAULT_STOP_GRACE) / SECOND,
            restart=_restart_policy(service),
            healthcheck=_healthcheck(service.healthcheck, image),
            readiness=_readiness(service.readiness),
            log=_log_config(service, project),
            log_dir=facts.log_dir,
        )
    except ValueError as exc:
        raise ComposerError(f"service {service.name}: {exc}", "check the service's image, command and settings") from None


def _args(service: Service, image: ImageConfig) -> tuple[str, ...]:
    if service.entrypoint is not None:  # Docker: a new entrypoint resets the image's Cmd
        return service.entrypoint + (service.command or ())
    command = service.command if service.command is not None else (image.cmd or ())
    return (image.entrypoint or ()) + command


def _environment(service: Service, image: ImageConfig, facts: HostFacts, name: str) -> dict[str, str]:
    env = image.env_dict()
    env.setdefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
    env.update(facts.extra_env)
    env.update({key: value for key, value in service.environment.items() if value is not None})
    env.setdefault("HOSTNAME", service.hostname or name)
    return env


def _mounts(service: Service, image: ImageConfig, facts: HostFacts) -> tuple[Mount, ...]:
    mounts = [_mount(m, facts, service) for m in service.volumes]
    targets = {m.target for m in mounts}
    for path in image.volumes:  # the image's VOLUMEs become anonymous volumes, as in Docker
        if path not in targets:
            mounts.append(Mount.volume(_anonymous_dir(facts, path), path))
    for entry in service.tmpfs:
        target, _, options = entry.partition(":")
        mounts.append(Mount.tmpfs(target, **_tmpfs_options(options)))
    for ref in service.secrets:
        target = secret_target(ref)
        mounts.append(Mount.bind(facts.secret_files[target], target, read_only=True))
    for ref in service.configs:
        mounts.append(Mount.bind(facts.config_files[ref.source], ref.target or f"/{ref.source}", read_only=True))
    return tuple(mounts)


def _mount(mount: ServiceMount, facts: HostFacts, service: Service) -> Mount:
    if mount.type == "bind":
        create = mount.bind.create_host_path if mount.bind else True
        return Mount.bind(mount.source or "", mount.target, mount.read_only, create_host_path=create)
    if mount.type == "volume":
        host_dir = facts.volume_dirs[mount.source] if mount.source else _anonymous_dir(facts, mount.target)
        nocopy = bool(mount.volume and mount.volume.nocopy)
        return Mount.volume(host_dir, mount.target, mount.read_only, copy_up=not nocopy)
    if mount.type == "tmpfs":
        size = mount.tmpfs.size if mount.tmpfs else None
        mode = mount.tmpfs.mode if mount.tmpfs else None
        return Mount.tmpfs(mount.target, size, mode)
    raise ValueError(f"volume type {mount.type!r} at {mount.target} is not supported by the runc runtime")


def _anonymous_dir(facts: HostFacts, target: str) -> str:
    return os.path.join(facts.anonymous_root, hashlib.sha256(target.encode()).hexdigest()[:16])


def secret_target(ref: FileReference) -> str:
    """Where a secret appears in the container: its target, relative ones under /run/secrets."""
    target = ref.target or ref.source
    return target if target.startswith("/") else f"/run/secrets/{target}"


def _tmpfs_options(options: str) -> dict:
    found: dict = {}
    for option in filter(None, options.split(",")):
        key, _, value = option.partition("=")
        if key == "size":
                    found["size"] = parse_size(value)
        elif key == "mode":
            found["mode"] = int(value, 8)
    return found


def _resources(service: Service) -> Resources:
    limits = service.deploy.resources.limits if service.deploy and service.deploy.resources else None
    return Resources(
        memory=service.mem_limit or (limits.memory if limits else None),
        memswap=service.memswap_limit,
        cpus=service.cpus or (limits.cpus if limits else None),
        cpu_shares=service.cpu_shares,
        pids_limit=service.pids_limit or (limits.pids if limits else None),
    )


def _restart_policy(service: Service) -> RestartPolicy:
    if service.restart:
        return RestartPolicy.parse("no" if service.restart in ("no", "false") else service.restart)
    policy = service.deploy.restart_policy if service.deploy else None
    if policy is None or policy.condition is None:
        return RestartPolicy()
    if policy.condition == "on-failure":
        return RestartPolicy("on-failure", policy.max_attempts or 0)
    return RestartPolicy("always" if policy.condition == "any" else "no")


def _healthcheck(declared: ServiceHealthcheck | None, image: ImageConfig) -> Healthcheck | None:
    base = image.healthcheck
    if declared is not None and declared.disable:
        return None
    test = (declared.test if declared and declared.test else None) or (base.test if base else None)
    if not test or test[0] == "NONE":
        return None

    def pick(attr: str, default: int) -> int:
        value = getattr(declared, attr, None) if declared else None
        if value is None and base is not None:
            value = getattr(base, attr)
        return default if value is None else value

    return Healthcheck(
        test=tuple(test),
        interval=pick("interval", 30 * SECOND) / SECOND,
        timeout=pick("timeout", 30 * SECOND) / SECOND,
        retries=pick("retries", 3),
        start_period=pick("start_period", 0) / SECOND,
    )


def _readiness(declared: ServiceReadiness | None) -> Readiness | None:
    """x-readiness with its defaults filled in; a bare tcp port means 127.0.0.1 in the container."""
    if declared is None:
        return None
    kind = next(kind for kind in ("tcp", "http", "log") if getattr(declared, kind) is not None)
    target = getattr(declared, kind)
    if kind == "tcp" and target.isdigit():
        target = f"127.0.0.1:{target}"
    defaults = Readiness(kind, target)

    def seconds(value: int | None, default: float) -> float:
        return default if value is None else value / SECOND

    return Readiness(
        kind,
        target,
        interval=seconds(declared.interval, defaults.interval),
        timeout=seconds(declared.timeout, defaults.timeout),
        retries=defaults.retries if declared.retries is None else declared.retries,
        start_period=seconds(declared.start_period, defaults.start_period),
    )


def _log_config(service: Service, project: Project) -> LogConfig:
    logging = service.logging
    options = dict(logging.options) if logging else {}
    path = options.get("path")
    if path and not os.path.isabs(path):  # a host log volume, relative to the project
        resolved = os.path.normpath(os.path.join(project.project_dir, path))
        options["path"] = resolved + os.sep if path.endswith("/") else resolved  # "dir/": a directory
    return LogConfig(driver=(logging.driver if logging and logging.driver else "json-file"), options=options)


def _security_flag(service: Service, key: str, default: str) -> str:
    for option in service.security_opt:
        name, sep, value = option.replace("=", ":", 1).partition(":")
        if name == key:
            return value if sep else "true"
    return default


def _signal_name(value: str) -> str:
    if value.isdigit():
        return signals.Signals(int(value)).name
    return value if value.startswith("SIG") else f"SIG{value}"
