"""build_oci_config: Docker's defaults and every spec field's mapping (pure, no root)."""

from __future__ import annotations

import pytest

from composer.runtime import ContainerSpec, Mount, Resources, Ulimit
from composer.runtime.capabilities import (
    DOCKER_DEFAULT_CAPABILITIES,
    UnavailableCapability,
    UnknownCapability,
    capability_set,
    host_bounding_set,
)
from composer.runtime.oci import MASKED_PATHS, READONLY_PATHS, build_oci_config, stop_signal_number
from composer.runtime.users import ProcessUser


def spec(**fields) -> ContainerSpec:
    return ContainerSpec("proj-web-1", "proj", "web", ("app", "--serve"), ("/layers/a",), **fields)


def config(**fields) -> dict:
    return build_oci_config(spec(**fields), "rootfs")


def test_defaults_are_dockers() -> None:
    cfg = config()
    process = cfg["process"]
    assert cfg["ociVersion"] == "1.0.2"
    assert cfg["root"] == {"path": "rootfs", "readonly": False}
    assert process["args"] == ["app", "--serve"] and process["cwd"] == "/" and not process["terminal"]
    assert process["noNewPrivileges"] is True
    assert set(process["capabilities"]["bounding"]) == set(DOCKER_DEFAULT_CAPABILITIES)
    assert "inheritable" not in process["capabilities"] and "ambient" not in process["capabilities"]
    assert cfg["linux"]["maskedPaths"] == MASKED_PATHS and cfg["linux"]["readonlyPaths"] == READONLY_PATHS
    assert [n["type"] for n in cfg["linux"]["namespaces"]] == ["pid", "ipc", "mount", "cgroup", "uts", "network"]
    assert cfg["linux"]["cgroupsPath"] == "/composer/proj-web-1"
    assert cfg["hostname"] == "proj-web-1"
    assert "seccomp" not in cfg["linux"]  # only when the caller passes a converted profile


def test_default_mounts_and_devices() -> None:
    cfg = config(shm_size=1024)
    by_target = {m["destination"]: m for m in cfg["mounts"]}
    assert list(by_target) == ["/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm"]
    assert "ro" in by_target["/sys"]["options"] and "ro" in by_target["/sys/fs/cgroup"]["options"]
    assert "size=1024" in by_target["/dev/shm"]["options"]
    assert [d["path"] for d in cfg["linux"]["devices"]] == [
        "/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
    ]  # fmt: skip
    rules = cfg["linux"]["resources"]["devices"]
    assert rules[0] == {"allow": False, "access": "rwm"}
    assert {"allow": True, "type": "c", "major": 136, "access": "rwm"} in rules  # /dev/pts/*


def test_environment_user_and_home() -> None:
    user = ProcessUser(1000, 1000, (2000,), "/home/app")
    cfg = build_oci_config(spec(env={"A": "1", "PATH": "/bin"}, tty=True), "rootfs", user=user)
    assert cfg["process"]["user"] == {"uid": 1000, "gid": 1000, "additionalGids": [2000]}
    assert cfg["process"]["env"] == ["PATH=/bin", "HOSTNAME=proj-web-1", "TERM=xterm", "A=1", "HOME=/home/app"]
    assert cfg["process"]["terminal"] is True


def test_spec_mounts_replace_defaults_and_sort_parents_first(tmp_path) -> None:
    cfg = config(
        mounts=(
            Mount.bind("/host/data", "/data/sub", read_only=True),
            Mount.tmpfs("/dev/shm", size=1 << 20, mode=0o1777),
            Mount.bind("/host/parent", "/data"),
            Mount.secret("token", "/host/secret"),
        )
    )
    targets = [m["destination"] for m in cfg["mounts"]]
    assert targets.count("/dev/shm") == 1
    assert targets.index("/data") < targets.index("/data/sub")
    by_target = {m["destination"]: m for m in cfg["mounts"]}
    assert by_target["/data/sub"] == {
        "destination": "/data/sub", "type": "bind", "source": "/host/data", "options": ["rbind", "rprivate", "ro"],
    }  # fmt: skip
    assert by_target["/dev/shm"]["options"] == ["nosuid", "nodev", "noexec", "size=1048576", "mode=1777"]
    assert by_target["/run/secrets/token"]["options"][-1] == "ro"


def test_resources_and_limits() -> None:
    cfg = config(
        resources=Resources(memory=64 << 20, cpus=1.5, cpu_shares=256, pids_limit=100),
        ulimits=(Ulimit("nofile", 1024, 2048),),
        sysctls={"net.core.somaxconn": "1024"},
        domainname="example.test",
    )
    res = cfg["linux"]["resources"]
    assert res["memory"] == {"limit": 64 << 20, "swap": 128 << 20}  # Docker: swap defaults to twice memory
    assert res["cpu"] == {"quota": 150000, "period": 100000, "shares": 256}
    assert res["pids"] == {"limit": 100}
    assert cfg["process"]["rlimits"] == [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 2048}]
    assert cfg["linux"]["sysctl"] == {"kernel.domainname": "example.test", "net.core.somaxconn": "1024"}
    assert config(resources=Resources(memory=1, memswap=-1))["linux"]["resources"]["memory"]["swap"] == -1


@pytest.mark.parametrize(
    ("netns", "types", "network_path"),
    [
        (None, ["pid", "ipc", "mount", "cgroup", "uts", "network"], None),
        ("/run/netns/proj-web-1", ["pid", "ipc", "mount", "cgroup", "uts", "network"], "/run/netns/proj-web-1"),
        ("host", ["pid", "ipc", "mount", "cgroup"], None),
    ],
)
def test_network_namespace_choices(netns, types, network_path) -> None:
    cfg = config(netns=netns)
    namespaces = cfg["linux"]["namespaces"]
    assert [n["type"] for n in namespaces] == types
    if network_path:
        assert namespaces[-1]["path"] == network_path
    assert ("hostname" in cfg) == (netns != "host")


def test_read_only_init_and_privileged() -> None:
    cfg = build_oci_config(spec(read_only=True, init=True), "rootfs", init_path="/usr/bin/tini-static")
    assert cfg["root"]["readonly"] is True
    assert cfg["process"]["args"] == ["/dev/init", "--", "app", "--serve"]
    init_mount = {"destination": "/dev/init", "type": "bind", "source": "/usr/bin/tini-static"}
    init_mount["options"] = ["bind", "ro"]
    assert init_mount in cfg["mounts"]
    privileged = build_oci_config(spec(privileged=True), "rootfs", seccomp={"defaultAction": "SCMP_ACT_ERRNO"})
    assert len(privileged["process"]["capabilities"]["bounding"]) == 41
    assert "seccomp" not in privileged["linux"] and privileged["linux"]["maskedPaths"] == []
    assert privileged["linux"]["resources"]["devices"] == [{"allow": True, "access": "rwm"}]
    assert privileged["process"]["noNewPrivileges"] is False
    with pytest.raises(ValueError, match="init needs the host path of tini-static"):
        build_oci_config(spec(init=True), "rootfs")


@pytest.mark.parametrize(
    ("add", "drop", "expected"),
    [
        ((), (), set(DOCKER_DEFAULT_CAPABILITIES)),
        (
            ("NET_ADMIN",),
            ("chown", "CAP_KILL"),
            set(DOCKER_DEFAULT_CAPABILITIES) - {"CAP_CHOWN", "CAP_KILL"} | {"CAP_NET_ADMIN"},
        ),
        (("net_admin",), ("ALL",), {"CAP_NET_ADMIN"}),
        (("ALL",), ("SYS_ADMIN",), None),
        (("KILL",), ("KILL",), set(DOCKER_DEFAULT_CAPABILITIES)),  # as Docker: an add beats a drop
    ],
)
def test_capability_rules(add, drop, expected) -> None:
    caps = capability_set(add, drop, privileged=False)
    if expected is None:
        assert len(caps) == 40 and "CAP_SYS_ADMIN" not in caps
    else:
        assert set(caps) == expected


def test_unknown_capability() -> None:
    with pytest.raises(UnknownCapability):
        capability_set(("FLY",), (), privileged=False)


@pytest.mark.parametrize(("text", "number"), [("SIGTERM", 15), ("term", 15), ("9", 9), ("SIGUSR1", 10)])
def test_stop_signal_names(text: str, number: int) -> None:
    assert stop_signal_number(text) == number


def test_unknown_stop_signal() -> None:
    with pytest.raises(ValueError, match="unknown signal 'SIGNOPE'"):
        stop_signal_number("SIGNOPE")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "bad name"}, "container name 'bad name' must match"),
        ({"args": ()}, "no command to run"),
        ({"lowerdirs": ()}, "no image layers"),
        ({"cwd": "relative"}, "working dir 'relative' must be absolute"),
    ],
)
def test_spec_validation(fields: dict, message: str) -> None:
    base = {"name": "p-s-1", "project": "p", "service": "s", "args": ("x",), "lowerdirs": ("/l",)}
    with pytest.raises(ValueError, match=message):
        ContainerSpec(**{**base, **fields})


def test_spec_hash_is_stable_and_sensitive() -> None:
    assert spec().spec_hash() == spec().spec_hash()
    assert spec().spec_hash() != spec(env={"A": "1"}).spec_hash()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Mount("nfs", "/x", "/y"), "mount kind 'nfs'"),
        (lambda: Mount.bind("relative", "/x"), "source 'relative' must be an absolute host path"),
        (lambda: Mount.tmpfs("x"), "mount target 'x' must be an absolute path"),
    ],
)
def test_mount_validation(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_capabilities_are_cut_to_what_we_hold() -> None:
    held = set(DOCKER_DEFAULT_CAPABILITIES) - {"CAP_NET_RAW"} | {"CAP_SYS_ADMIN"}
    assert "CAP_NET_RAW" not in capability_set((), (), privileged=False, available=held)
    assert set(capability_set((), (), privileged=True, available=held)) == held
    with pytest.raises(UnavailableCapability, match="CAP_SYS_TIME"):
        capability_set(("SYS_TIME",), (), privileged=False, available=held)
    cfg = build_oci_config(spec(privileged=True), "rootfs", available_caps=held)
    assert set(cfg["process"]["capabilities"]["effective"]) == held


def test_host_bounding_set_matches_cap_bnd() -> None:
    with open("/proc/self/status") as handle:
        mask = int(next(line for line in handle if line.startswith("CapBnd:")).split()[1], 16)
    assert len(host_bounding_set()) == bin(mask).count("1")
