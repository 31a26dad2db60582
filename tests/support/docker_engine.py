"""One private Docker engine per test session, for the docker driver's tests.

    pytest_plugins = ["tests.support.docker_engine"]   # with tests.support.debian_base for engine_python_ref

    def test_x(docker_engine):     # .env: DOCKER_HOST (its private socket) for either tool

The bench's isolated DockerEngine (bench/anchors/engine.py: own socket, data root, exec
root under a short /tmp dir, --bridge none, no iptables rule) with the userland proxy on,
so published ports work through docker-proxy without touching the host's firewall. The
busybox test image is `docker import`ed from a tarball the tests build (no Docker Hub).
Skipped, with the reason, when dockerd or busybox-static is missing.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.images import BUSYBOX_REF

CGROUP_PARENT = "composer-docker-driver"
ADDRESS_POOL = "10.227.0.0/16"  # the networks these engines make; tests' static subnets are inside it


def _engine_class():
    from bench.anchors.engine import DockerEngine

    class ProxyingEngine(DockerEngine):
        """Published ports need docker-proxy: with --iptables=false it is the only way in."""

        def _flags(self) -> list[str]:
            flags = [flag for flag in super()._flags() if flag != "--userland-proxy=false"] + ["--userland-proxy=true"]
            # a cgroup parent of its own: the bench's sweep kills what runs under the bench's
            flags[flags.index("--cgroup-parent") + 1] = CGROUP_PARENT
            flags[flags.index("--default-address-pool") + 1] = f"base={ADDRESS_POOL},size=24"  # not the bench engine's pool
            return flags

    return ProxyingEngine


@contextlib.contextmanager
def private_engine(prefix: str) -> Iterator:
    """A started engine under a fresh /tmp/<prefix>… dir with the busybox image; stopped and
    its dirs removed on the way out. NotAvailable when dockerd cannot start here."""
    from tests.support.rootfs import make_busybox_tar

    engine = _engine_class()(Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp")))
    try:
        _forward_within_pool(True)
        engine.start()
        with tempfile.TemporaryDirectory() as work:
            tar = make_busybox_tar(Path(work) / "busybox.tar", Path(work))
            engine.docker("import", "-c", 'CMD ["sh"]', str(tar), BUSYBOX_REF, timeout=120)
        yield engine
    finally:
        engine.stop()
        _remove(engine.dir)
        _forward_within_pool(False)


def _forward_within_pool(on: bool) -> None:
    """This engine writes no firewall rule (--iptables=false); beside a stock dockerd, whose
    FORWARD policy is DROP (with br_netfilter), its containers could not reach each other
    across their bridge. One ACCEPT for traffic inside its address pool, removed after."""
    if not shutil.which("iptables"):
        return
    rule = ["FORWARD", "-s", ADDRESS_POOL, "-d", ADDRESS_POOL, "-j", "ACCEPT"]
    present = subprocess.run(["iptables", "-C", *rule], capture_output=True).returncode == 0
    if on and not present:
        subprocess.run(["iptables", "-I", *rule], capture_output=True, check=True)
    elif not on and present:
        subprocess.run(["iptables", "-D", *rule], capture_output=True, check=True)


@pytest.fixture(scope="session")
def docker_engine():
    from bench.stats import NotAvailable
    from tests.support.rootfs import have_busybox

    if not have_busybox():
        pytest.skip("busybox-static is not installed")
    try:
        with private_engine("cdrv-") as engine:
            yield engine
    except NotAvailable as exc:
        pytest.skip(f"no private Docker engine: {exc}")


def log_pump_pids(container_id: str) -> list[int]:
    """The log pumps (drivers/docker/log_pump.py) following this container."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                args = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"composer.drivers.docker.log_pump" in args and container_id.encode() in args:
                found.append(int(entry.name))
    return found


def _remove(directory: Path) -> None:
    """The engine's dirs, after unmounting whatever it left below them (deepest first)."""
    with open("/proc/self/mountinfo") as handle:
        points = [line.split()[4] for line in handle]
    for point in sorted((p for p in points if p.startswith(f"{directory}/")), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True)
    subprocess.run(["rm", "-rf", "--one-file-system", str(directory)], capture_output=True)


ENGINE_PYTHON_REF = "composer-test/debian-python:1"


@pytest.fixture(scope="session")
def engine_python_ref(docker_engine, debian_base_ref) -> str:
    """A Debian image with python3 on the test engine (the ambassador image's base): the
    session's Debian base (tests/support/debian_base.py, made once with mmdebstrap and shared
    with the other tests that need it) copied out of composer's store as a docker-archive
    with skopeo and `docker load`ed."""
    from composer.images import ImageStore
    from composer.images.reference import parse_reference

    if shutil.which("skopeo") is None:
        pytest.skip("skopeo is not installed")
    layout = ImageStore().root / "images"
    with tempfile.TemporaryDirectory(prefix="cdrv-deb-", dir="/tmp") as work:
        archive = Path(work) / "debian.tar"
        source = f"oci:{layout}:{parse_reference(debian_base_ref)}"
        subprocess.run(["skopeo", "copy", "--quiet", source, f"docker-archive:{archive}:{ENGINE_PYTHON_REF}"], capture_output=True, check=True, timeout=300)
        docker_engine.docker("load", "-i", str(archive), timeout=300)
    return ENGINE_PYTHON_REF
