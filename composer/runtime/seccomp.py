"""Docker-format seccomp profiles (containers-common's seccomp.json) → OCI linux.seccomp.

The default profile gets Docker's capability gating on top (seccomp_gating.py).

Conversion follows Docker/podman: keep the host's architecture and its sub-architectures
from archMap, and keep a syscall rule only if its includes/excludes (arches as Go names,
capabilities, minKernel) match this container. The result depends on the capability
set, so it is cached per set; converting is fast (a 16 KB file), so an in-memory cache
is all that pays: the CLI builds many containers in one run.
"""

from __future__ import annotations

import functools
import json
import os
import platform
from collections.abc import Iterable
from typing import Any

from composer.runtime.seccomp_gating import with_docker_gating

DEFAULT_PROFILE = "/usr/share/containers/seccomp.json"

# uname machine → (Go's GOARCH, as the profile names arches; libseccomp's name)
_ARCHES = {
    "x86_64": ("amd64", "SCMP_ARCH_X86_64"),
    "aarch64": ("arm64", "SCMP_ARCH_AARCH64"),
    "armv7l": ("arm", "SCMP_ARCH_ARM"),
    "ppc64le": ("ppc64le", "SCMP_ARCH_PPC64LE"),
    "s390x": ("s390x", "SCMP_ARCH_S390X"),
    "riscv64": ("riscv64", "SCMP_ARCH_RISCV64"),
}


class SeccompProfileError(ValueError):
    pass


def convert_profile(profile: dict[str, Any], caps: Iterable[str], machine: str, kernel: str) -> dict[str, Any]:
    """Pure: the OCI seccomp section for a container with `caps` on this machine and kernel."""
    if machine not in _ARCHES:
        raise SeccompProfileError(f"no seccomp architecture known for machine {machine!r}")
    go_arch, native = _ARCHES[machine]
    cap_set = set(caps)
    out: dict[str, Any] = {"defaultAction": profile["defaultAction"], "architectures": _architectures(profile, native)}
    if "defaultErrnoRet" in profile:
        out["defaultErrnoRet"] = profile["defaultErrnoRet"]
    out["syscalls"] = [
        _oci_rule(rule) for rule in profile.get("syscalls") or [] if _applies(rule, go_arch, cap_set, kernel)
    ]
    return out


def _architectures(profile: dict[str, Any], native: str) -> list[str]:
    if profile.get("architectures"):
        return list(profile["architectures"])
    for entry in profile.get("archMap") or []:
        if entry["architecture"] == native:
            return [native, *(entry.get("subArchitectures") or [])]
    return [native]


def _applies(rule: dict[str, Any], go_arch: str, caps: set[str], kernel: str) -> bool:
    includes = rule.get("includes") or {}
    excludes = rule.get("excludes") or {}
    if go_arch in (excludes.get("arches") or []):
        return False
    if caps & set(excludes.get("caps") or []):
        return False
    if excludes.get("minKernel") and _version(kernel) >= _version(excludes["minKernel"]):
        return False
    if includes.get("arches") and go_arch not in includes["arches"]:
        return False
    if not set(includes.get("caps") or []) <= caps:
        return False
    if includes.get("minKernel") and _version(kernel) < _version(includes["minKernel"]):
        return False
    return True


def _oci_rule(rule: dict[str, Any]) -> dict[str, Any]:
    names = rule.get("names") or ([rule["name"]] if rule.get("name") else [])
    out: dict[str, Any] = {"names": list(names), "action": rule["action"]}
    if rule.get("errnoRet") is not None:
        out["errnoRet"] = rule["errnoRet"]
    if rule.get("args"):
        out["args"] = [
            {"index": a["index"], "value": a["value"], "valueTwo": a.get("valueTwo", 0), "op": a["op"]}
            for a in rule["args"]
        ]
    return out


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("-")[0].split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def seccomp_for(profile_path: str, caps: Iterable[str]) -> dict[str, Any]:
    """The converted profile at profile_path for this host, cached per capability set."""
    try:
        mtime = os.stat(profile_path).st_mtime_ns
    except OSError as exc:
        raise SeccompProfileError(f"seccomp profile {profile_path} cannot be read ({exc.strerror})") from None
    return _cached(profile_path, mtime, tuple(sorted(caps)), platform.machine(), platform.release())


@functools.lru_cache(maxsize=32)
def _cached(path: str, mtime: int, caps: tuple[str, ...], machine: str, kernel: str) -> dict[str, Any]:
    try:
        with open(path) as handle:
            profile = json.load(handle)
    except (OSError, ValueError) as exc:
        raise SeccompProfileError(f"seccomp profile {path} is not valid JSON ({exc})") from None
    if "defaultAction" not in profile:
        raise SeccompProfileError(f"seccomp profile {path} has no defaultAction")
    if path == DEFAULT_PROFILE:  # our default is Docker's; a profile the user names is used as written
        profile = with_docker_gating(profile)
    return convert_profile(profile, caps, machine, kernel)
