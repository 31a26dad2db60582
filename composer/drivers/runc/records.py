"""What composer remembers about a project beyond the runtime's own records.

<run root>/projects/<project>/project.json   working dir and files (for `compose ls`)
<run root>/projects/<project>/containers/<name>.json   image, command, number, labels (for `ps`)
The runtime's state dirs stay the truth about containers; these only add what `ps` and
`ls` show. Written atomically; a missing record costs only a blank column.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from composer import paths
from composer.atomic import write_atomically
from composer.crash import crash_point


@dataclass(frozen=True)
class ContainerRecord:
    name: str
    service: str
    number: int
    image: str
    command: tuple[str, ...]
    created: str  # ISO 8601 UTC
    ports: tuple[str, ...] = ()
    oneoff: bool = False  # made by `compose run`: not one of the service's replicas
    # The service's labels when the container was made (ps shows them as Docker keeps them on
    # the container); None: a record written before labels were kept.
    labels: dict[str, str] | None = field(default=None, hash=False)


def project_dir(project: str) -> Path:
    return paths.run_root() / "projects" / project


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(data, sort_keys=True))


def save_project(project: str, working_dir: str, files: tuple[str, ...]) -> None:
    _write_json(project_dir(project) / "project.json", {"name": project, "working_dir": working_dir, "files": list(files)})


def save_container(project: str, record: ContainerRecord) -> None:
    _write_json(project_dir(project) / "containers" / f"{record.name}.json", asdict(record))


def load_container(project: str, name: str) -> ContainerRecord | None:
    try:
        data = json.loads((project_dir(project) / "containers" / f"{name}.json").read_text())
        data["command"], data["ports"] = tuple(data["command"]), tuple(data.get("ports", ()))
        if data.get("labels") is not None:
            data["labels"] = {str(key): str(value) for key, value in data["labels"].items()}
        return ContainerRecord(**data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def container_names(project: str) -> list[str]:
    directory = project_dir(project) / "containers"
    return sorted(p.stem for p in directory.glob("*.json")) if directory.is_dir() else []


def forget_container(project: str, name: str) -> None:
    (project_dir(project) / "containers" / f"{name}.json").unlink(missing_ok=True)
    done_creating(project, name)


def _creating_marker(project: str, name: str) -> Path:
    return project_dir(project) / "containers" / f"{name}.creating"


def mark_creating(project: str, name: str) -> None:
    """From its record until its /etc files are in place, a container is unfinished: a kill -9
    in between leaves a container that runs without its names, so `up` must remake it."""
    marker = _creating_marker(project, name)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()


def done_creating(project: str, name: str) -> None:
    _creating_marker(project, name).unlink(missing_ok=True)


def is_creating(project: str, name: str) -> bool:
    return _creating_marker(project, name).exists()


def forget_project(project: str) -> None:
    crash_point("down.forgetting")
    shutil.rmtree(project_dir(project), ignore_errors=True)


def known_projects() -> dict[str, dict]:
    root = paths.run_root() / "projects"
    found = {}
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            found[entry.name] = json.loads((entry / "project.json").read_text())
        except (OSError, ValueError):
            continue
    return found
