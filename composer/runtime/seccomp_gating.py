"""Docker's capability gating, applied on top of containers-common's seccomp profile.

containers-common's seccomp.json (podman's default, from Debian) allows `unshare`,
`setns`, `mount`, the new mount API, `name_to_handle_at`, `syslog` and `clone` with any
namespace flag to every container. Docker's default profile allows them only with the
capability the kernel would ask for anyway (CAP_SYS_ADMIN; CAP_SYSLOG for syslog), and
without CAP_SYS_ADMIN lets `clone` through only without namespace flags and answers
`clone3` with ENOSYS (its flags sit in memory seccomp cannot read; libc then falls back
to clone); the keyring calls and `pivot_root` it refuses to every container. User namespaces opened from inside a container are a known way to reach kernel
bugs, so composer's default is Docker's. The Debian file stays the base: only these
calls are moved out of its unconditional rules and back in behind their capability.
"""

from __future__ import annotations

import copy
from typing import Any

# Docker's default.json: allowed only with CAP_SYS_ADMIN.
SYS_ADMIN_ONLY = frozenset({
    "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr", "move_mount",
    "name_to_handle_at", "open_tree", "setns", "umount", "umount2", "unshare",
})
SYSLOG_ONLY = frozenset({"syslog"})
# Not in Docker's default allow list at all: the kernel keyring is not namespaced, and
# pivot_root has no use in a container that is already rooted.
DENIED = frozenset({"keyctl", "add_key", "request_key", "pivot_root"})
CLONE_CALLS = frozenset({"clone", "clone3"})
GATED = SYS_ADMIN_ONLY | SYSLOG_ONLY | CLONE_CALLS | DENIED

# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
CLONE_NAMESPACE_FLAGS = 0x7E020000
ENOSYS, EPERM = 38, 1


def with_docker_gating(profile: dict[str, Any]) -> dict[str, Any]:
    """Pure: the profile with GATED calls taken out of its unconditional allow rules and
    allowed again only as Docker allows them."""
    gated = copy.deepcopy(profile)
    rules = []
    for rule in gated.get("syscalls") or []:
        if rule.get("action") == "SCMP_ACT_ALLOW" and _unconditional(rule):
            rule["names"] = [name for name in _names(rule) if name not in GATED]
            rule.pop("name", None)
            if not rule["names"]:
                continue
        rules.append(rule)
    gated["syscalls"] = rules + _docker_rules()
    return gated


def _docker_rules() -> list[dict[str, Any]]:
    sys_admin, syslog = {"caps": ["CAP_SYS_ADMIN"]}, {"caps": ["CAP_SYSLOG"]}
    return [
        {"names": sorted(SYS_ADMIN_ONLY | CLONE_CALLS), "action": "SCMP_ACT_ALLOW", "includes": sys_admin},
        {"names": sorted(SYSLOG_ONLY), "action": "SCMP_ACT_ALLOW", "includes": syslog},
        # Refused with EPERM, as Docker does (the Debian profile's default answer is ENOSYS,
        # which tells programs the call does not exist rather than that it is not allowed).
        {"names": sorted(SYS_ADMIN_ONLY), "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM, "excludes": sys_admin},
        {"names": sorted(SYSLOG_ONLY), "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM, "excludes": syslog},
        {"names": sorted(DENIED), "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM},
        # clone's flags are its first argument, but its second on s390 (Docker's profile says the same).
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "excludes": {**sys_admin, "arches": ["s390", "s390x"]},
         "args": [{"index": 0, "value": CLONE_NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
         "includes": {"arches": ["s390", "s390x"]}, "excludes": sys_admin,
         "args": [{"index": 1, "value": CLONE_NAMESPACE_FLAGS, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS, "excludes": sys_admin},
        *_clone_with_namespace_refused(sys_admin),
    ]


def _clone_with_namespace_refused(sys_admin: dict[str, list[str]]) -> list[dict[str, Any]]:
    """EPERM (Docker's answer) for a clone that asks for any namespace flag: one rule per
    flag, since a seccomp condition can test "these bits equal that" but not "any bit set"."""
    rules = []
    for arches, index in ((None, 0), (["s390", "s390x"], 1)):
        for bit in (b for b in range(32) if CLONE_NAMESPACE_FLAGS >> b & 1):
            flag = 1 << bit
            rule: dict[str, Any] = {"names": ["clone"], "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM,
                                    "args": [{"index": index, "value": flag, "valueTwo": flag, "op": "SCMP_CMP_MASKED_EQ"}]}
            if arches is None:
                rule["excludes"] = {**sys_admin, "arches": ["s390", "s390x"]}
            else:
                rule["includes"], rule["excludes"] = {"arches": arches}, sys_admin
            rules.append(rule)
    return rules


def _unconditional(rule: dict[str, Any]) -> bool:
    return not (rule.get("args") or any(rule.get("includes") or {}) or any(rule.get("excludes") or {}))


def _names(rule: dict[str, Any]) -> list[str]:
    return list(rule.get("names") or ([rule["name"]] if rule.get("name") else []))
