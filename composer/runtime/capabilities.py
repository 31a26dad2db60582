"""Linux capabilities: Docker's default set, cap_add / cap_drop, privileged (pure)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

# Every capability up to CAP_CHECKPOINT_RESTORE (40), in kernel order.
ALL_CAPABILITIES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
    "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)  # fmt: skip

DOCKER_DEFAULT_CAPABILITIES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
)  # fmt: skip


class UnknownCapability(ValueError):
    pass


class UnavailableCapability(ValueError):
    """Asked for by cap_add, but this host's own bounding set lacks it."""


def normalize(name: str) -> str:
    """'net_admin', 'NET_ADMIN', 'CAP_NET_ADMIN' → 'CAP_NET_ADMIN'; 'all' → 'ALL'."""
    upper = name.strip().upper()
    if upper == "ALL":
        return upper
    full = upper if upper.startswith("CAP_") else f"CAP_{upper}"
    if full not in ALL_CAPABILITIES:
        raise UnknownCapability(name)
    return full


def capability_set(
    cap_add: Iterable[str], cap_drop: Iterable[str], privileged: bool, available: Collection[str] = ALL_CAPABILITIES
) -> list[str]:
    """The container's capabilities in kernel order, by Docker's rules (an add beats a drop).

    Nobody can grant what it does not hold: defaults and privileged are cut to `available`
    (our bounding set, as podman does); a cap_add beyond it is an error.
    """
    added = {normalize(c) for c in cap_add}
    dropped = {normalize(c) for c in cap_drop}
    if privileged or "ALL" in added:
        caps = set(ALL_CAPABILITIES) - (set() if privileged else dropped)
    elif "ALL" in dropped:
        caps = set(added)
    else:
        caps = (set(DOCKER_DEFAULT_CAPABILITIES) - dropped) | added
    missing = sorted(added - {"ALL"} - set(available))
    if missing:
        raise UnavailableCapability(", ".join(missing))
    return [c for c in ALL_CAPABILITIES if c in caps and c in available]


def host_bounding_set() -> frozenset[str]:
    """The capabilities this process can pass on (CapBnd in /proc/self/status)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("CapBnd:"):
                mask = int(line.split()[1], 16)
                return frozenset(c for bit, c in enumerate(ALL_CAPABILITIES) if mask & (1 << bit))
    return frozenset(ALL_CAPABILITIES)
