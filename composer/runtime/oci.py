"""ContainerSpec → runc's config.json (OCI runtime-spec 1.0.2), with Docker's defaults (pure).

The caller resolves what needs the host (user from the image's passwd, the seccomp
profile, tini's path) and passes it in, so this is a plain function of its inputs.
"""

from __future__ import annotations

import signal
from collections.abc import Collection
from typing import Any

from composer.runtime.capabilities import ALL_CAPABILITIES, capability_set
from composer.runtime.oci_mounts import INIT_TARGET, build_mounts
from composer.runtime.spec import ContainerSpec
from composer.runtime.users import ProcessUser

OCI_VERSION = "1.0.2"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CPU_PERIOD = 100_000  # µs, Docker's

MASKED_PATHS = [
    "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
    "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
]  # fmt: skip
READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

# (path, type, major, minor): Docker's default device nodes (/dev/console comes from runc)
DEFAULT_DEVICES = [
    ("/dev/null", "c", 1, 3), ("/dev/zero", "c", 1, 5), ("/dev/full", "c", 1, 7),
    ("/dev/random", "c", 1, 8), ("/dev/urandom", "c", 1, 9), ("/dev/tty", "c", 5, 0),
]  # fmt: skip
# Device cgroup: deny all, then mknod anything, then rwm on the defaults, ptys, ptmx, /dev/console.
_ALLOWED_DEVICES = [("c", None, None, "m"), ("b", None, None, "m")] + [
    ("c", major, minor, "rwm") for _, _, major, minor in DEFAULT_DEVICES
] + [("c", 136, None, "rwm"), ("c", 5, 2, "rwm"), ("c", 5, 1, "rwm")]


def build_oci_config(
    spec: ContainerSpec,
    rootfs_path: str,
    *,
    user: ProcessUser = ProcessUser(),
    seccomp: dict[str, Any] | None = None,
    init_path: str | None = None,
    available_caps: Collection[str] = ALL_CAPABILITIES,
) -> dict[str, Any]:
    """config.json for spec; init_path (tini-static on the host) is needed when spec.init;
    available_caps is what the caller may hand out (its bounding set)."""
    if spec.init and not init_path:
        raise ValueError(f"container {spec.name}: init needs the host path of tini-static")
    linux: dict[str, Any] = {
        "namespaces": _namespaces(spec),
        "cgroupsPath": cgroup_path(spec.name),
        "resources": _resources(spec),
        "devices": [] if spec.privileged else _devices(),
        "sysctl": _sysctls(spec),
        "maskedPaths": [] if spec.privileged else list(MASKED_PATHS),
        "readonlyPaths": [] if spec.privileged else list(READONLY_PATHS),
    }
    if seccomp is not None and not spec.privileged:
        linux["seccomp"] = seccomp
    config = {
        "ociVersion": OCI_VERSION,
        "process": _process(spec, user, available_caps),
        "root": {"path": rootfs_path, "readonly": spec.read_only},
        "mounts": build_mounts(spec, init_path if spec.init else None),
        "linux": linux,
    }
    if spec.netns != "host":
        config["hostname"] = spec.hostname or spec.name[:63]
    return config


def cgroup_path(name: str) -> str:
    """Absolute under every hierarchy (as Docker's /docker/<id>), whoever runs runc."""
    return f"/composer/{name}"


def stop_signal_number(name: str) -> int:
    """'SIGTERM', 'TERM', '15' → 15."""
    text = name.strip().upper()
    if text.isdigit():
        return int(text)
    try:
        return int(signal.Signals[text if text.startswith("SIG") else f"SIG{text}"])
    except KeyError:
        raise ValueError(f"unknown signal {name!r}") from None


def _process(spec: ContainerSpec, user: ProcessUser, available_caps: Collection[str]) -> dict[str, Any]:
    caps = capability_set(spec.cap_add, spec.cap_drop, spec.privileged, available_caps)
    args = [INIT_TARGET, "--", *spec.args] if spec.init else list(spec.args)
    return {
        "terminal": spec.tty,
        "user": {"uid": user.uid, "gid": user.gid, "additionalGids": list(user.additional_gids)},
        "args": args,
        "env": _environment(spec, user),
        "cwd": spec.cwd,
        "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
        "rlimits": [
            {"type": f"RLIMIT_{u.name.upper()}", "soft": u.soft, "hard": u.hard} for u in spec.ulimits
        ],
        "noNewPrivileges": spec.no_new_privileges and not spec.privileged,
    }


def _sysctls(spec: ContainerSpec) -> dict[str, str]:
    sysctls = {}
    if spec.domainname and spec.netns != "host":
        # runc 1.1 ignores config.json's domainname; this UTS-namespaced sysctl is the same thing
        sysctls["kernel.domainname"] = spec.domainname
    sysctls.update(spec.sysctls)
    return sysctls


def _environment(spec: ContainerSpec, user: ProcessUser) -> list[str]:
    env = {"PATH": DEFAULT_PATH}
    if spec.netns != "host":
        env["HOSTNAME"] = spec.hostname or spec.name[:63]
    if spec.tty:
        env["TERM"] = "xterm"
    env.update(spec.env)
    env.setdefault("HOME", user.home)
    return [f"{key}={value}" for key, value in env.items()]


def _namespaces(spec: ContainerSpec) -> list[dict[str, str]]:
    namespaces = [{"type": kind} for kind in ("pid", "ipc", "mount", "cgroup")]
    if spec.netns != "host":
        namespaces.append({"type": "uts"})
        network = {"type": "network"}
        if spec.netns:
            network["path"] = spec.netns
        namespaces.append(network)
    return namespaces


def _resources(spec: ContainerSpec) -> dict[str, Any]:
    res = spec.resources
    out: dict[str, Any] = {"devices": _device_rules(spec.privileged)}
    if res.memory is not None:
        memswap = res.memswap if res.memswap is not None else 2 * res.memory
        out["memory"] = {"limit": res.memory, "swap": memswap}
    cpu: dict[str, Any] = {}
    if res.cpus is not None:
        cpu.update(quota=int(res.cpus * CPU_PERIOD), period=CPU_PERIOD)
    if res.cpu_shares is not None:
        cpu["shares"] = res.cpu_shares
    if cpu:
        out["cpu"] = cpu
    if res.pids_limit is not None:
        out["pids"] = {"limit": res.pids_limit}
    return out


def _device_rules(privileged: bool) -> list[dict[str, Any]]:
    if privileged:
        return [{"allow": True, "access": "rwm"}]
    rules: list[dict[str, Any]] = [{"allow": False, "access": "rwm"}]
    for kind, major, minor, access in _ALLOWED_DEVICES:
        rule: dict[str, Any] = {"allow": True, "type": kind, "access": access}
        if major is not None:
            rule["major"] = major
        if minor is not None:
            rule["minor"] = minor
        rules.append(rule)
    return rules


def _devices() -> list[dict[str, Any]]:
    return [
        {"path": path, "type": kind, "major": major, "minor": minor, "fileMode": 0o666, "uid": 0, "gid": 0}
        for path, kind, major, minor in DEFAULT_DEVICES
    ]
