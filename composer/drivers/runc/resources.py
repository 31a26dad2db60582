"""Host-side things a service's containers use: named volumes, secrets and configs.

Volumes live under <data root>/volumes/<name>/_data (Docker's layout), are created on
first use and kept across `down` unless -v. Secrets and configs given as files are
bind-mounted from where they are; those given as environment values or inline content
are written once per project under the run dir, readable by root only.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from composer import paths
from composer.config.model import Project, ProjectFile, Service, Volume
from composer.crash import crash_point
from composer.errors import ComposerError

VOLUME_LABEL_FILE = "composer-project"  # who made the volume: `down -v` removes only its own


def volumes_root() -> Path:
    return paths.data_root() / "volumes"


def volume_dir(volume: Volume) -> Path:
    return volumes_root() / volume.name / "_data"


def ensure_volume(project: Project, volume: Volume) -> Path:
    data = volume_dir(volume)
    if volume.external:
        if not data.is_dir():
            raise ComposerError(f"external volume {volume.name} not found", f"create it first (mkdir -p {data})")
        return data
    if volume.driver not in (None, "local"):
        raise ComposerError(f"volume {volume.key}: driver {volume.driver} is not supported", "use the local driver")
    device = volume.driver_opts.get("device")
    if device and "bind" in volume.driver_opts.get("o", ""):
        if not os.path.isdir(device):
            raise ComposerError(f"volume {volume.key}: device {device} is not a directory", "create it first")
        return Path(device)
    # The owner label before the data dir: a volume cut short by a kill -9 is still this
    # project's, so `down -v` removes it (and `up`, finding no _data, finishes it).
    data.parent.mkdir(parents=True, exist_ok=True)
    owner = data.parent / VOLUME_LABEL_FILE
    if not owner.exists():
        owner.write_text(project.name)
    crash_point("volume.labelled")
    data.mkdir(exist_ok=True)
    return data


def remove_project_volumes(project: Project) -> list[str]:
    """`down -v`: the project's own named volumes (never external ones)."""
    removed = []
    for volume in project.volumes.values():
        root = volume_dir(volume).parent
        owner = root / VOLUME_LABEL_FILE
        if volume.external or not owner.exists() or owner.read_text() != project.name:
            continue
        shutil.rmtree(root, ignore_errors=True)
        crash_point("volume.removed")
        removed.append(volume.name)
    return removed


def owned_by(project: Project, volume: Volume) -> bool:
    """Made by this project (so `down -v` removes it)."""
    owner = volume_dir(volume).parent / VOLUME_LABEL_FILE
    return not volume.external and owner.exists() and owner.read_text() == project.name


def anonymous_root(container: str) -> str:
    return str(paths.data_root() / "containers" / container / "anonymous")


def project_files_dir(project: Project) -> Path:
    return paths.run_root() / "projects" / project.name / "files"


def materialize(project: Project, service: Service) -> tuple[dict[str, str], dict[str, str]]:
    """Host files for the service's secrets and configs: (secrets, configs) key → path."""
    secrets = {ref.source: _file_for(project, "secret", project.secrets[ref.source]) for ref in service.secrets}
    configs = {ref.source: _file_for(project, "config", project.configs[ref.source]) for ref in service.configs}
    return secrets, configs


def file_path(project: Project, kind: str, item: ProjectFile) -> str:
    """Where the secret or config will be on the host (checked, nothing written): its own
    file, or the file composer writes for inline and environment ones."""
    if item.file:
        if not os.path.isfile(item.file):
            raise ComposerError(f"{kind} {item.key}: file {item.file} not found", "create it or fix the path")
        return item.file
    if item.external:
        raise ComposerError(f"{kind} {item.key} is external, which needs a swarm", "give it a file: or environment:")
    if item.environment is not None and _environment_value(project, item) is None:
        raise ComposerError(f"{kind} {item.key}: environment variable {item.environment} is not set", "set it")
    return str(project_files_dir(project) / f"{kind}-{item.key}")


def _environment_value(project: Project, item: ProjectFile) -> str | None:
    return project.environment.get(item.environment, os.environ.get(item.environment))


def _file_for(project: Project, kind: str, item: ProjectFile) -> str:
    path = file_path(project, kind, item)
    if item.file:
        return path
    content = _environment_value(project, item) if item.environment is not None else item.content or ""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o400 if kind == "secret" else 0o444)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    os.replace(tmp, target)
    return path
