"""Shared fixtures for the runtime tests: a busybox rootfs, a runtime whose containers are
all removed in a finalizer, and checks that nothing of theirs is left on the host
(runc state, mounts, supervisor processes, cgroup dirs, state dirs).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from composer import paths
from composer.logs import open_reader
from composer.logs.api import LogTarget
from composer.runtime import ContainerSpec, RuncRuntime
from composer.runtime.cgroups import container_cgroup_dirs
from composer.runtime.layout import ContainerPaths
from tests.support.rootfs import have_busybox, make_busybox_rootfs

TIMEOUT = 15.0  # no single wait in these tests lasts longer

needs_runc = pytest.mark.skipif(
    not (shutil.which("runc") and have_busybox()), reason="needs runc and busybox-static"
)


@pytest.fixture(scope="session")
def busybox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_busybox_rootfs(tmp_path_factory.mktemp("busybox") / "rootfs")


class Containers:
    """Makes specs with unique names and remembers them for the finalizer."""

    def __init__(self, runtime: RuncRuntime, rootfs: Path) -> None:
        self.runtime = runtime
        self.rootfs = rootfs
        self.project = f"rt{uuid.uuid4().hex[:8]}"
        self.names: list[str] = []

    def spec(self, args: tuple[str, ...] | str, service: str = "svc", **fields) -> ContainerSpec:
        if isinstance(args, str):
            args = ("sh", "-c", args)
        name = f"{self.project}-{service}-{len(self.names) + 1}"
        self.names.append(name)
        fields.setdefault("stop_grace", 2.0)
        return ContainerSpec(name, self.project, service, args, (str(self.rootfs),), **fields)

    def run(self, args: tuple[str, ...] | str, **fields) -> ContainerSpec:
        spec = self.spec(args, **fields)
        self.runtime.create(spec)
        self.runtime.start(spec.name)
        return spec

    def wait_exit(self, name: str, timeout: float = TIMEOUT) -> int:
        state = wait_for(lambda: self._final(name), timeout, f"{name} to exit")
        return state.exit_code

    def _final(self, name: str):
        state = self.runtime.inspect(name)
        return state if state.status == "exited" and not state.supervisor_alive else None

    def output(self, spec: ContainerSpec) -> str:
        target = LogTarget(spec.project, spec.service, spec.name, str(ContainerPaths.for_name(spec.name).data_dir))
        return "".join(r.text + "\n" for r in open_reader(spec.log, target).read())

    def run_to_end(self, args: tuple[str, ...] | str, **fields) -> tuple[int, str]:
        spec = self.run(args, **fields)
        code = self.wait_exit(spec.name)
        return code, self.output(spec)


@pytest.fixture
def containers(busybox: Path) -> Iterator[Containers]:
    made = Containers(RuncRuntime(), busybox)
    yield made
    problems = []
    for name in made.names:
        try:
            made.runtime.remove(name)
        except Exception as exc:  # report every leftover, not just the first
            problems.append(f"{name}: {exc}")
        problems += leftovers(name)
    assert not problems, "\n".join(problems)


def leftovers(name: str) -> list[str]:
    """What of container `name` is still on the host."""
    found = []
    container = ContainerPaths.for_name(name)
    runc_list = subprocess.run(
        ["runc", "--root", str(paths.run_root() / "runc"), "list", "-q"], capture_output=True, text=True
    ).stdout.split()
    if name in runc_list:
        found.append(f"{name}: runc still has it")
    with open("/proc/self/mountinfo") as handle:
        if any(str(container.state_dir) in line for line in handle):
            found.append(f"{name}: a mount is left")
    for pid in supervisor_pids(name):
        found.append(f"{name}: supervisor {pid} still runs")
    found += [f"{name}: cgroup {d}" for d in container_cgroup_dirs(container.cgroup_path)]
    for directory in (container.state_dir, container.data_dir):
        if directory.exists():
            found.append(f"{name}: {directory} is left")
    return found


def supervisor_pids(name: str) -> list[int]:
    """Supervisors of `name`: started directly (the state dir is on the command line) or
    forked from a zygote (the command line is the zygote's; the working dir is the state dir)."""
    marker = f"/containers/{name}\0".encode()
    state_dir = str(ContainerPaths.for_name(name).state_dir)
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            cwd = os.readlink(f"/proc/{pid}/cwd") if b"composer.shim.zygote" in cmdline else ""
        except OSError:
            continue
        if b"composer.shim" in cmdline and (marker in cmdline or cwd == state_dir):
            pids.append(int(pid))
    return pids


def wait_for(probe: Callable[[], object], timeout: float = TIMEOUT, what: str = "a condition"):
    """Poll probe until it returns something truthy; bounded in time."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.02)
