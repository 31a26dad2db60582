"""The mounts section of config.json: Docker's defaults, then the spec's own (pure).

A spec mount at the same destination as a default replaces it (e.g. a bigger
/dev/shm); spec mounts are ordered parents first, as Docker sorts them.
"""

from __future__ import annotations

from typing import Any

from composer.runtime.spec import ContainerSpec, Mount

INIT_TARGET = "/dev/init"  # on the /dev tmpfs: works with a read-only rootfs too (as podman)


def default_mounts(spec: ContainerSpec) -> list[dict[str, Any]]:
    sys_ro = [] if spec.privileged else ["ro"]
    return [
        {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
        {
            "destination": "/dev",
            "type": "tmpfs",
            "source": "tmpfs",
            "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
        },
        {
            "destination": "/dev/pts",
            "type": "devpts",
            "source": "devpts",
            "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        },
        {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", *sys_ro]},
        {
            "destination": "/sys/fs/cgroup",
            "type": "cgroup",
            "source": "cgroup",
            "options": ["nosuid", "noexec", "nodev", "relatime", *sys_ro],
        },
        {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
        {
            "destination": "/dev/shm",
            "type": "tmpfs",
            "source": "shm",
            "options": ["nosuid", "noexec", "nodev", "mode=1777", f"size={spec.shm_size}"],
        },
    ]


def spec_mount(mount: Mount) -> dict[str, Any]:
    if mount.kind == "tmpfs":
        options = ["nosuid", "nodev", "noexec"]
        if mount.tmpfs_size is not None:
            options.append(f"size={mount.tmpfs_size}")
        if mount.tmpfs_mode is not None:
            options.append(f"mode={mount.tmpfs_mode:o}")
        if mount.read_only:
            options.append("ro")
        return {"destination": mount.target, "type": "tmpfs", "source": "tmpfs", "options": options}
    options = ["rbind", mount.propagation]
    if mount.read_only:
        options.append("ro")
    return {"destination": mount.target, "type": "bind", "source": mount.source, "options": options}


def build_mounts(spec: ContainerSpec, init_path: str | None) -> list[dict[str, Any]]:
    own = [spec_mount(m) for m in spec.mounts]
    if init_path:
        own.append({"destination": INIT_TARGET, "type": "bind", "source": init_path, "options": ["bind", "ro"]})
    taken = {m["destination"].rstrip("/") for m in own}
    defaults = [m for m in default_mounts(spec) if m["destination"] not in taken]
    own.sort(key=lambda m: len([p for p in m["destination"].split("/") if p]))
    return defaults + own
