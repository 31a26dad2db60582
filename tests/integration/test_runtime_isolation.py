"""What a container can see and do: mounts, read-only root, capabilities, seccomp,
masked paths, network namespace, and cgroup limits (memory → OOM, pids).
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_runtime_support import Containers, busybox, containers, needs_runc  # noqa: F401  (fixtures)

from composer.errors import RuntimeFailure
from composer.runtime import Mount, Resources, Ulimit

pytestmark = [pytest.mark.needs_root, needs_runc]

MIB = 1024 * 1024


def status_field(out: str, key: str) -> str:
    for line in out.splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{key} not in {out!r}")


def test_bind_mounts_ro_rw_and_create_host_path(containers: Containers, tmp_path: Path) -> None:
    rw_dir, ro_dir, made = tmp_path / "rw", tmp_path / "ro", tmp_path / "made" / "deep"
    rw_dir.mkdir()
    ro_dir.mkdir()
    (ro_dir / "data").write_text("read me\n")
    code, out = containers.run_to_end(
        "echo written > /rw/out; cat /ro/data; (echo x > /ro/data) 2>/dev/null || echo ro-refused; touch /made/f",
        mounts=(
            Mount.bind(str(rw_dir), "/rw"),
            Mount.bind(str(ro_dir), "/ro", read_only=True),
            Mount.bind(str(made), "/made", create_host_path=True),
        ),
    )
    assert code == 0
    assert out.split("\n")[:2] == ["read me", "ro-refused"]
    assert (rw_dir / "out").read_text() == "written\n"
    assert (made / "f").exists()


def test_missing_bind_source_is_refused_by_name(containers: Containers, tmp_path: Path) -> None:
    spec = containers.spec("true", mounts=(Mount.bind(str(tmp_path / "absent"), "/x"),))
    with pytest.raises(RuntimeFailure, match=f"container {spec.name}: bind mount source .*absent does not exist"):
        containers.runtime.create(spec)


def test_tmpfs_secret_and_read_only_root(containers: Containers, tmp_path: Path) -> None:
    secret = tmp_path / "db_password"
    secret.write_text("s3cret")
    code, out = containers.run_to_end(
        "cat /run/secrets/db_password; echo; (echo x > /run/secrets/db_password) 2>/dev/null || echo secret-ro;"
        "(touch /rootfile) 2>/dev/null || echo root-ro; echo t > /scratch/t && cat /scratch/t;"
        "grep ' /scratch ' /proc/mounts",
        read_only=True,
        mounts=(Mount.tmpfs("/scratch", size=2 * MIB, mode=0o755), Mount.secret("db_password", str(secret))),
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[:4] == ["s3cret", "secret-ro", "root-ro", "t"]
    assert "tmpfs" in lines[4] and "size=2048k" in lines[4] and "mode=755" in lines[4]


def test_named_volume_is_filled_from_the_image_once(containers: Containers, tmp_path: Path) -> None:
    volume = tmp_path / "vol"
    volume.mkdir()
    code, out = containers.run_to_end("ls /etc/passwd /etc/group", mounts=(Mount.volume(str(volume), "/etc"),))
    assert code == 0 and (volume / "passwd").read_text().startswith("root:")


def test_default_security_caps_nnp_seccomp_masked_paths(containers: Containers) -> None:
    code, out = containers.run_to_end(
        "cat /proc/self/status; cat /proc/timer_list | wc -c; ls /sys/firmware | wc -l;"
        "(echo 1 > /proc/sys/kernel/panic) 2>/dev/null || echo sys-ro"
    )
    assert code == 0
    assert status_field(out, "CapEff") == "00000000a80425fb"  # Docker's 14 default capabilities
    assert status_field(out, "CapBnd") == "00000000a80425fb"
    assert status_field(out, "NoNewPrivs") == "1"
    assert status_field(out, "Seccomp") == "2"
    # masked: /proc/timer_list reads as /dev/null, /sys/firmware is an empty dir; /proc/sys is read-only
    assert out.rstrip().endswith("\n0\n0\nsys-ro")


def test_cap_drop_and_add_and_unconfined(containers: Containers) -> None:
    code, out = containers.run_to_end(
        "cat /proc/self/status",
        cap_drop=("ALL",),
        cap_add=("NET_ADMIN", "chown"),
        seccomp="unconfined",
        no_new_privileges=False,
    )
    assert code == 0
    assert int(status_field(out, "CapEff"), 16) == (1 << 12) | (1 << 0)
    assert status_field(out, "Seccomp") == "0" and status_field(out, "NoNewPrivs") == "0"


def test_unknown_capability_is_refused(containers: Containers) -> None:
    spec = containers.spec("true", cap_add=("FLY",))
    with pytest.raises(RuntimeFailure, match=f"container {spec.name}: unknown capability FLY"):
        containers.runtime.create(spec)


@pytest.mark.parametrize(("seccomp", "error"), [("default", "Operation not permitted"), ("unconfined", "No such file")])
def test_seccomp_denies_what_the_profile_denies(containers: Containers, seccomp: str, error: str) -> None:
    # swapoff is denied by the profile whatever the capabilities; unconfined, the kernel gets to say ENOENT
    code, out = containers.run_to_end("swapoff /no/such/swap 2>&1", cap_add=("SYS_ADMIN",), seccomp=seccomp)
    assert code != 0 and error in out


@pytest.mark.parametrize("command", ["unshare -U true", "unshare -n true", "unshare -m true",
                                     "nsenter -t 1 -n true", "mkdir -p /m && mount -t tmpfs none /m"])
def test_default_seccomp_gates_namespaces_and_mounts_behind_sys_admin(containers: Containers, command: str) -> None:
    """As Docker's default profile: refused by seccomp (EPERM) with Docker's default
    capabilities, allowed once the container has CAP_SYS_ADMIN."""
    code, out = containers.run_to_end(f"{command} 2>&1")
    assert code != 0 and ("Operation not permitted" in out or "permission denied" in out), out  # EPERM, not ENOSYS
    code, out = containers.run_to_end(f"{command} 2>&1", cap_add=("SYS_ADMIN",))
    assert code == 0, out


def test_private_network_namespace_has_only_lo(containers: Containers) -> None:
    code, out = containers.run_to_end("ls /sys/class/net")
    assert (code, out.split()) == (0, ["lo"])


def test_ulimits_and_sysctls(containers: Containers) -> None:
    code, out = containers.run_to_end(
        "ulimit -n; cat /proc/sys/net/ipv4/ip_unprivileged_port_start",
        ulimits=(Ulimit("nofile", 512, 512),),
        sysctls={"net.ipv4.ip_unprivileged_port_start": "80"},
    )
    assert (code, out.split()) == (0, ["512", "80"])


def test_memory_limit_oom_kill_is_reported(containers: Containers) -> None:
    spec = containers.run(
        "echo start; x=a; while true; do x=$x$x; done",
        resources=Resources(memory=16 * MIB, memswap=16 * MIB),
    )
    assert containers.wait_exit(spec.name) == 137
    assert containers.runtime.inspect(spec.name).oom_killed


def test_pids_limit_is_enforced(containers: Containers) -> None:
    # sh and 4 sleeps fill the 5 pids; busybox sh gives up (exit 2) at the first failed fork
    code, out = containers.run_to_end(
        "for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done; echo all-forked", resources=Resources(pids_limit=5)
    )
    assert code == 2 and "can't fork: Resource temporarily unavailable" in out and "all-forked" not in out


def test_cpu_quota_and_shares_are_applied(containers: Containers) -> None:
    code, out = containers.run_to_end(
        "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares",
        resources=Resources(cpus=0.5, cpu_shares=512),
    )
    assert (code, out.split()) == (0, ["50000", "100000", "512"])


def test_privileged_has_every_capability_and_no_filter(containers: Containers) -> None:
    code, out = containers.run_to_end("cat /proc/self/status", privileged=True)
    assert code == 0
    # every capability we hold ourselves (a sandbox may lack some)
    assert status_field(out, "CapEff") == own_status_field("CapBnd") and status_field(out, "Seccomp") == "0"


def own_status_field(key: str) -> str:
    with open("/proc/self/status") as handle:
        return status_field(handle.read(), key)


def test_etc_files_are_bind_mounted_even_on_a_read_only_root(containers: Containers, tmp_path: Path) -> None:
    hosts, resolv = tmp_path / "hosts", tmp_path / "resolv.conf"
    hosts.write_text("127.0.0.1 localhost\n10.9.8.7 db\n")
    resolv.write_text("nameserver 10.9.8.1\n")
    code, out = containers.run_to_end(
        "grep db /etc/hosts; cat /etc/resolv.conf",
        read_only=True,
        mounts=(Mount.bind(str(hosts), "/etc/hosts"), Mount.bind(str(resolv), "/etc/resolv.conf", read_only=True)),
    )
    assert (code, out.splitlines()) == (0, ["10.9.8.7 db", "nameserver 10.9.8.1"])


@pytest.fixture
def netns() -> Iterator[str]:
    """A throwaway named network namespace with a veth pair in it."""
    name = f"rtns{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        veth_pair = ["link", "add", "probe0", "type", "veth", "peer", "name", "probe1"]
        subprocess.run(["ip", "-n", name, *veth_pair], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=True)


def test_joins_a_given_network_namespace(containers: Containers, netns: str) -> None:
    code, out = containers.run_to_end("ls /sys/class/net", netns=f"/run/netns/{netns}")
    assert (code, sorted(out.split())) == (0, ["lo", "probe0", "probe1"])


def test_host_network_sees_host_links_and_hostname(containers: Containers) -> None:
    code, out = containers.run_to_end("hostname; ls /sys/class/net", netns="host")
    host_links = set(os.listdir("/sys/class/net"))
    lines = out.split()
    assert code == 0 and lines[0] == socket.gethostname()
    assert set(lines[1:]) & host_links - {"lo"}
