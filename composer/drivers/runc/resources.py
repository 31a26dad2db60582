"""Host-side things a service's containers use: named volumes, secrets and configs.

Volumes live under <data root>/volumes/<name>/_data (Docker's layout), are created on
first use and kept across `down` unless -v. Configs given as files are bind-mounted from
where they are; inline and environment ones are written once per project under the run
dir. Every secret is copied there per reference, with its mode and owner (the run dir is
root-only, so the host sees none of them).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from composer import paths
from composer.atomic import write_atomically
from composer.config.model import FileReference, Project, ProjectFile, Service, Volume
from composer.crash import crash_point
from composer.drivers.runc.container_spec import secret_target
from composer.errors import ComposerError

VOLUME_LABEL_FILE = "composer-project"  # who made the volume: `down -v` removes only its own
_LOCAL_VOLUME_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+")  # Docker's rule for the local driver


def check_names(project: Project) -> None:
    """Refuse, before anything is made, a name that composer would use as a path and that
    could leave its state dirs (`name: ../../etc`). Compose's `config` accepts these; Docker
    refuses them when it creates the volume or network, as we do here, all at once."""
    from netplugins.names import is_plain_name  # on use: the no-op `up -d` never gets here

    for volume in project.volumes.values():
        check_volume_name(volume)
    for network in project.networks.values():
        if not is_plain_name(network.name) and network.driver not in ("host", "none"):
            raise ComposerError(f"network {network.key}: name {network.name!r} is not usable on the host", "use letters, digits, '_', '.' and '-'")


def check_volume_name(volume: Volume) -> None:
    if not _LOCAL_VOLUME_NAME.fullmatch(volume.name):
        raise ComposerError(
            f"volume {volume.key}: {volume.name!r} includes invalid characters for a local volume name, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
            "if you meant a host directory, bind-mount it by its absolute path",
        )


def volumes_root() -> Path:
    return paths.data_root() / "volumes"


def volume_dir(volume: Volume) -> Path:
    check_volume_name(volume)  # every path below is built here: none leaves volumes_root
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
    if not owner.exists():  # atomically: a kill -9 while another task writes it must not leave it empty
        write_atomically(owner, project.name)
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
    """Host files for the service's secrets and configs: (secrets by target, configs by key) → path."""
    secrets = secret_paths(project, service)
    for ref in service.secrets:
        _write_secret(project, ref, secrets[secret_target(ref)])
    configs = {ref.source: _file_for(project, "config", project.configs[ref.source]) for ref in service.configs}
    return secrets, configs


def secret_paths(project: Project, service: Service) -> dict[str, str]:
    """Where each secret's copy is (checked, nothing written), by its target in the container.
    A copy, never the user's file: it carries the reference's mode (0444 by default, as the
    Compose spec says) and owner, and sits in the root-only run dir."""
    paths = {}
    for ref in service.secrets:
        file_path(project, "secret", project.secrets[ref.source])  # the source is there
        _owner(ref)
        wanted = f"{secret_target(ref)}|{ref.uid}|{ref.gid}|{ref.mode}"
        paths[secret_target(ref)] = str(project_files_dir(project) / f"secret-{ref.source}-{hashlib.sha256(wanted.encode()).hexdigest()[:12]}")
    return paths


def _owner(ref: FileReference) -> tuple[int, int]:
    try:
        return int(ref.uid or 0), int(ref.gid or 0)
    except ValueError:
        raise ComposerError(f"secret {ref.source}: uid {ref.uid!r} / gid {ref.gid!r} must be numbers", "write them like uid: \"1000\"") from None


def _write_secret(project: Project, ref: FileReference, path: str) -> None:
    item = project.secrets[ref.source]
    if item.file:
        with open(item.file, "rb") as handle:
            content = handle.read()
    else:
        content = (_environment_value(project, item) or "").encode() if item.environment is not None else (item.content or "").encode()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    # services sharing a secret write the same copy from parallel tasks: per-thread temp names
    write_atomically(path, content, mode=0o444 if ref.mode is None else ref.mode, owner=_owner(ref))


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
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, content, mode=0o444)
    return path
