"""Where the cgroup hierarchies are mounted, and the container's OOM-kill counter.

cgroup v1 (and hybrid hosts, where memory is a v1 controller): memory.oom_control has
an `oom_kill N` line. Pure v2: memory.events has one. The supervisor reads it before
`runc delete` removes the cgroup.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class CgroupMount:
    mount_point: str
    version: int  # 1 or 2
    controllers: frozenset[str]  # v1: from the super options (memory, cpu, name=systemd, …)


def cgroup_mounts() -> list[CgroupMount]:
    found = []
    with open("/proc/self/mountinfo") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            fstype, _, super_options = right.split()[:3]
            if fstype == "cgroup":
                found.append(CgroupMount(left.split()[4], 1, frozenset(super_options.split(","))))
            elif fstype == "cgroup2":
                found.append(CgroupMount(left.split()[4], 2, _v2_controllers(left.split()[4])))
    return found


def _v2_controllers(mount_point: str) -> frozenset[str]:
    try:
        with open(os.path.join(mount_point, "cgroup.controllers")) as handle:
            return frozenset(handle.read().split())
    except OSError:
        return frozenset()


def controller_dir(controller: str, cgroup_path: str) -> tuple[str, int] | None:
    """(directory, cgroup version) of cgroup_path in the hierarchy holding `controller`."""
    mounts = cgroup_mounts()
    for mount in sorted(mounts, key=lambda m: m.version):  # a v1 controller wins on hybrid hosts
        if controller in mount.controllers:
            return os.path.join(mount.mount_point, cgroup_path.lstrip("/")), mount.version
    return None


def oom_kill_count(cgroup_path: str) -> int:
    """OOM kills in the container's cgroup so far (0 when unknown)."""
    found = controller_dir("memory", cgroup_path)
    if found is None:
        return 0
    directory, version = found
    filename = "memory.oom_control" if version == 1 else "memory.events"
    try:
        with open(os.path.join(directory, filename)) as handle:
            for line in handle:
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
    except OSError:
        return 0
    return 0
