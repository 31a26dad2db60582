"""Docker-format seccomp profile → OCI linux.seccomp (pure), on synthetic and real profiles."""

from __future__ import annotations

import json
import os

import pytest

from composer.runtime.capabilities import DOCKER_DEFAULT_CAPABILITIES
from composer.runtime.seccomp import DEFAULT_PROFILE, SeccompProfileError, convert_profile, seccomp_for

PROFILE = {
    "defaultAction": "SCMP_ACT_ERRNO",
    "defaultErrnoRet": 38,
    "archMap": [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    ],
    "syscalls": [
        {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "includes": {}, "excludes": {}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
        {"names": ["arm_fadvise64_64"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["arm", "arm64"]}},
        {"names": ["bpf"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["new_thing"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.10"}},
        {
            "names": ["personality"],
            "action": "SCMP_ACT_ALLOW",
            "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}],
        },
        {"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": None, "excludes": {"arches": ["amd64"]}},
    ],
}


def names(converted: dict) -> list[str]:
    return [name for rule in converted["syscalls"] for name in rule["names"]]


def test_architectures_follow_the_machine() -> None:
    assert convert_profile(PROFILE, [], "x86_64", "6.1")["architectures"] == [
        "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
    ]  # fmt: skip
    arm = convert_profile(PROFILE, [], "aarch64", "6.1")
    assert arm["architectures"] == ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]
    assert "arm_fadvise64_64" in names(arm) and "arch_prctl" not in names(arm) and "socket" in names(arm)


def test_rules_filtered_by_capabilities_arch_and_kernel() -> None:
    plain = convert_profile(PROFILE, DOCKER_DEFAULT_CAPABILITIES, "x86_64", "5.4.0-100-generic")
    assert names(plain) == ["read", "write", "arch_prctl", "bpf", "personality"]
    assert plain["syscalls"][2] == {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
    admin = convert_profile(PROFILE, ["CAP_SYS_ADMIN"], "x86_64", "6.18.44")
    assert [r["action"] for r in admin["syscalls"] if r["names"] == ["bpf"]] == ["SCMP_ACT_ALLOW"]
    assert "new_thing" in names(admin)
    assert plain["defaultAction"] == "SCMP_ACT_ERRNO" and plain["defaultErrnoRet"] == 38


def test_arguments_are_kept_in_oci_form() -> None:
    rule = next(r for r in convert_profile(PROFILE, [], "x86_64", "6.1")["syscalls"] if r["names"] == ["personality"])
    assert rule["args"] == [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}]


def test_unknown_machine_is_refused() -> None:
    with pytest.raises(SeccompProfileError, match="no seccomp architecture known for machine 'pdp11'"):
        convert_profile(PROFILE, [], "pdp11", "6.1")


@pytest.mark.skipif(not os.path.exists(DEFAULT_PROFILE), reason="containers-common is not installed")
def test_real_profile_converts_and_is_cached_per_capability_set() -> None:
    default = seccomp_for(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPABILITIES)
    assert default is seccomp_for(DEFAULT_PROFILE, list(reversed(DOCKER_DEFAULT_CAPABILITIES)))
    with_admin = seccomp_for(DEFAULT_PROFILE, [*DOCKER_DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])
    assert with_admin is not default
    allowed = {n for r in default["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}
    assert {"read", "clone", "chroot"} <= allowed and "bpf" not in allowed
    assert json.dumps(default)  # plain JSON for config.json


def test_unreadable_profile(tmp_path) -> None:
    bad = tmp_path / "profile.json"
    bad.write_text("{not json")
    with pytest.raises(SeccompProfileError, match="is not valid JSON"):
        seccomp_for(str(bad), [])
    with pytest.raises(SeccompProfileError, match="cannot be read"):
        seccomp_for(str(tmp_path / "missing.json"), [])


# --- Docker's gating on top of containers-common's profile ---------------------------------

GATED_BY_SYS_ADMIN = ["unshare", "setns", "mount", "umount", "umount2", "fsconfig", "fsmount", "fsopen", "fspick",
                      "open_tree", "move_mount", "mount_setattr", "name_to_handle_at"]


def allow_rules_for(converted: dict, name: str) -> list[dict]:
    return [r for r in converted["syscalls"] if name in r["names"] and r["action"] == "SCMP_ACT_ALLOW"]


needs_profile = pytest.mark.skipif(not os.path.exists(DEFAULT_PROFILE), reason="containers-common's profile is not installed")


@needs_profile
@pytest.mark.parametrize("name", GATED_BY_SYS_ADMIN)
def test_default_profile_allows_namespace_and_mount_calls_only_with_sys_admin(name):
    default = seccomp_for(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPABILITIES)
    assert allow_rules_for(default, name) == []  # the default action (EPERM) answers, as in Docker
    admin = seccomp_for(DEFAULT_PROFILE, [*DOCKER_DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])
    assert [r for r in allow_rules_for(admin, name) if not r.get("args")]


@needs_profile
def test_default_profile_syslog_needs_cap_syslog():
    assert allow_rules_for(seccomp_for(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPABILITIES), "syslog") == []
    assert allow_rules_for(seccomp_for(DEFAULT_PROFILE, [*DOCKER_DEFAULT_CAPABILITIES, "CAP_SYSLOG"]), "syslog")


@needs_profile
def test_default_profile_clone_without_namespace_flags_and_clone3_enosys():
    default = seccomp_for(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPABILITIES)
    clone = allow_rules_for(default, "clone")
    assert clone == [{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 0x7E020000, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]}]
    assert [r for r in default["syscalls"] if "clone3" in r["names"]] == [
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]
    admin = seccomp_for(DEFAULT_PROFILE, [*DOCKER_DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN"])
    assert any(not r.get("args") for r in allow_rules_for(admin, "clone")) and allow_rules_for(admin, "clone3")


@needs_profile
def test_gating_keeps_everything_else_of_the_debian_profile():
    with open(DEFAULT_PROFILE) as handle:
        raw = json.load(handle)
    plain = convert_profile(raw, DOCKER_DEFAULT_CAPABILITIES, "x86_64", "6.1.0")
    gated = seccomp_for(DEFAULT_PROFILE, DOCKER_DEFAULT_CAPABILITIES)
    def allowed(converted: dict) -> set[str]:
        return {n for r in converted["syscalls"] if r["action"] == "SCMP_ACT_ALLOW" for n in r["names"]}

    assert allowed(plain) - allowed(gated) == set(GATED_BY_SYS_ADMIN) | {"syslog", "clone3", "keyctl", "pivot_root"}
    assert allowed(gated) <= allowed(plain) and "read" in allowed(gated)
