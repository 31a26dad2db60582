"""The default seccomp profile, call by call, beside Docker's (Debian 12's docker.io 20.10).

One static probe (tests/support/syscall_probe/probe.c) calls each syscall with harmless
arguments and prints its errno. It runs in a default composer container and in a default
Docker container on a private engine; every call Docker refuses, composer refuses too,
and for the calls the issue names (namespaces, syslog, keyctl, pivot_root, the new mount
API, clone3) with the same errno. With CAP_SYS_ADMIN both let `unshare` through.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest
from test_runtime_support import Containers, containers, needs_runc  # noqa: F401  (fixtures)

from bench.anchors.engine import DockerEngine

pytestmark = [pytest.mark.needs_root, needs_runc]
PROBE_SOURCE = Path(__file__).resolve().parents[1] / "support" / "syscall_probe" / "probe.c"
SAME_ERRNO = ("unshare_user", "unshare_net", "setns", "syslog", "keyctl", "add_key", "pivot_root", "mount_setattr",
              "clone3", "clone_newuser", "open_tree", "fsopen", "name_to_handle_at", "bpf", "userfaultfd")
IMAGE = "composer-test/syscall-probe:1"


@pytest.fixture(scope="module")
def probe_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed (scripts/setup-host.sh installs it)")
    root = tmp_path_factory.mktemp("probe") / "rootfs"
    (root / "tmp").mkdir(parents=True)
    subprocess.run(["gcc", "-static", "-O1", "-o", str(root / "probe"), str(PROBE_SOURCE)], check=True)
    return root


@pytest.fixture
def busybox(probe_root: Path) -> Path:  # the rootfs the `containers` fixture runs: just the probe
    return probe_root


@pytest.fixture(scope="module")
def docker_results(probe_root: Path) -> dict[str, dict[str, int]]:
    engine = DockerEngine(Path(tempfile.mkdtemp(prefix="csp-", dir="/tmp")))  # short: containerd's socket path
    try:
        engine.start()
        archive = probe_root.parent / "probe.tar"
        with tarfile.open(archive, "w") as tar:
            tar.add(probe_root, arcname=".")
        engine.docker("import", str(archive), IMAGE)
        return {label: parse(engine.docker("run", "--rm", "--network", "none", *flags, IMAGE, "/probe").stdout)
                for label, flags in (("default", []), ("sys_admin", ["--cap-add", "SYS_ADMIN"]))}
    finally:
        engine.stop()
        subprocess.run(["rm", "-rf", str(engine.dir)], capture_output=True)


def parse(output: str) -> dict[str, int]:
    return {name: int(code) for name, code in (line.split() for line in output.splitlines() if line.strip())}


def composer_results(containers: Containers, **fields) -> dict[str, int]:  # noqa: F811
    code, out = containers.run_to_end(("/probe",), **fields)
    assert code == 0, out
    return parse(out)


def test_every_call_docker_refuses_composer_refuses_too(containers, docker_results):  # noqa: F811
    ours, docker = composer_results(containers), docker_results["default"]
    assert set(ours) == set(docker)
    looser = {name: (ours[name], docker[name]) for name in docker if docker[name] != 0 and ours[name] == 0}
    assert not looser, f"allowed here, refused by Docker (ours, Docker's errno): {looser}"
    differ = {name: (ours[name], docker[name]) for name in SAME_ERRNO if ours[name] != docker[name]}
    assert not differ, f"refused with another errno than Docker's (ours, Docker's): {differ}"
    assert docker["unshare_user"] != 0


def test_sys_admin_opens_unshare_as_in_docker(containers, docker_results):  # noqa: F811
    ours, docker = composer_results(containers, cap_add=("SYS_ADMIN",)), docker_results["sys_admin"]
    assert ours["unshare_user"] == docker["unshare_user"] == 0
    assert ours["unshare_net"] == docker["unshare_net"] == 0
    assert ours["clone_newuser"] == docker["clone_newuser"] == 0
