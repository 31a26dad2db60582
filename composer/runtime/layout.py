"""Where each container's things live, derived from its name alone (remove needs no record).

    <run root>/runc/                      runc --root (runc's own state)
    <run root>/containers/<name>/         state dir = runc bundle: config.json, shim.json,
                                          state.json, stop-request, shim.log, runc.log,
                                          rootfs/ (the overlay mount point)
    <data root>/containers/<name>/        upper/, work/ (the writable layer), default logs
    cgroup /composer/<name>               under every hierarchy
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from composer import paths
from composer.runtime.oci import cgroup_path
from composer.shim import config as shim_files


@dataclass(frozen=True)
class ContainerPaths:
    name: str
    state_dir: Path
    data_dir: Path
    runc_root: Path

    @classmethod
    def for_name(cls, name: str) -> ContainerPaths:
        return cls(
            name=name,
            state_dir=paths.run_root() / "containers" / name,
            data_dir=paths.data_root() / "containers" / name,
            runc_root=paths.run_root() / "runc",
        )

    @property
    def rootfs(self) -> Path:
        return self.state_dir / "rootfs"

    @property
    def config_json(self) -> Path:
        return self.state_dir / "config.json"

    @property
    def upper(self) -> Path:
        return self.data_dir / "upper"

    @property
    def work(self) -> Path:
        return self.data_dir / "work"

    @property
    def cgroup_path(self) -> str:
        return cgroup_path(self.name)

    def file(self, name: str) -> Path:
        """A file named in composer.shim.config (STATE_FILE, STOP_REQUEST, …)."""
        return self.state_dir / name

    @property
    def shim_config(self) -> Path:
        return self.file(shim_files.SHIM_CONFIG)

    @property
    def state_file(self) -> Path:
        return self.file(shim_files.STATE_FILE)

    @property
    def stop_request(self) -> Path:
        return self.file(shim_files.STOP_REQUEST)


def containers_dir() -> Path:
    return paths.run_root() / "containers"
