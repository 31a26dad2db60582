"""Where a bench run keeps everything it makes, so one sweep can find and remove it all.

    <base>/.lock                 flock held for the whole run (and by --cleanup)
    <base>/engine/               the private Docker engine: socket, data root, exec root, pidfile, log
    <base>/composer/root, run    COMPOSER_ROOT / COMPOSER_RUN for our side
    <base>/composer-projects     projects our side brought up, with their files (for `down` after a crash)
    <base>/image/                the busybox rootfs tarball both sides import
    <base>/work/<suite>/         each suite's files

<base> is $COMPOSER_BENCH_DIR or /tmp/composer-bench: a fixed default, so that
`python3 -m bench --cleanup` finds what a crashed run left.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE = "/tmp/composer-bench"

# Every Linux bridge the Docker engine makes is named by our compose files with this
# prefix (the engine runs with --bridge none, so it has no docker0), and every
# container's cgroup sits under CGROUP_PARENT: that is how a sweep tells ours apart.
BRIDGE_PREFIX = "cbn-"
CGROUP_PARENT = "composer-bench"
PROJECT_PREFIX = "cbench"
IMAGE_REF = "composer-bench/busybox:latest"


@dataclass(frozen=True)
class Layout:
    base: Path

    @classmethod
    def from_environment(cls) -> Layout:
        return cls(Path(os.environ.get("COMPOSER_BENCH_DIR", DEFAULT_BASE)).resolve())

    @property
    def lock(self) -> Path:
        return self.base / ".lock"

    @property
    def engine(self) -> Path:
        return self.base / "engine"

    @property
    def composer_root(self) -> Path:
        return self.base / "composer" / "root"

    @property
    def composer_run(self) -> Path:
        return self.base / "composer" / "run"

    @property
    def composer_projects(self) -> Path:
        return self.base / "composer-projects"

    @property
    def image_dir(self) -> Path:
        return self.base / "image"

    def workdir(self, suite: str) -> Path:
        path = self.base / "work" / suite
        path.mkdir(parents=True, exist_ok=True)
        return path

    def composer_env(self) -> dict[str, str]:
        return {"COMPOSER_ROOT": str(self.composer_root), "COMPOSER_RUN": str(self.composer_run)}

    def remember_composer_project(self, name: str, compose_file: Path) -> None:
        """Note a project our side is about to bring up, so a sweep can `down` it
        (composer's down needs the compose file as well as the name)."""
        if (name, compose_file) not in self.recorded_composer_projects():
            with open(self.composer_projects, "a") as handle:
                handle.write(f"{name}\t{compose_file}\n")

    def recorded_composer_projects(self) -> list[tuple[str, Path]]:
        try:
            lines = self.composer_projects.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [(name, Path(file)) for name, _, file in (line.partition("\t") for line in lines) if file]
