"""Hostile values. Names composer would use as paths under its state dirs (a volume named
`../../etc`, a network named `a/../b`) load in `config`, as in Compose, and are refused by
`up --dry-run` and `up` in one line before anything is made. Values Compose v2 accepts
(env values with newlines, binds through symlinks out of the project, a secret's `name:`
with a slash) stay accepted. Container names that collide are refused, even across projects.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]

VOLUME = "services:\n  web:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data: {{name: '{name}'}}\n"
NETWORK = "services:\n  web:\n    image: busybox\n    networks: [net]\nnetworks:\n  net: {{name: '{name}'}}\n"
REFUSED = {
    "volume-up-two": (VOLUME.format(name="../../etc"), "volume data: '../../etc' includes invalid characters for a local volume name"),
    "volume-slash": (VOLUME.format(name="a/b"), "volume data: 'a/b' includes invalid characters"),
    "volume-dotdot": (VOLUME.format(name=".."), "volume data: '..' includes invalid characters"),
    "network-slash": (NETWORK.format(name="a/../b"), "network net: name 'a/../b' is not usable on the host"),
}
ACCEPTED = {
    "env-newline": 'services:\n  web:\n    image: busybox\n    environment:\n      MOTD: "line one\\nline two"\n    labels: {note: "a\\nb"}\n',
    "bind-through-symlink": "services:\n  web:\n    image: busybox\n    volumes: [./escape:/outside]\n",
    "secret-name-with-slash": "services:\n  web:\n    image: busybox\n    secrets: [token]\nsecrets:\n  token: {file: ./token, name: ../elsewhere/token}\n",
    "dotted-names": "services:\n  web:\n    image: busybox\n    volumes: [data:/d]\n    networks: [net]\nvolumes:\n  data: {name: my.vol_1}\nnetworks:\n  net: {name: my.net-1}\n",
}


def compose(directory: Path, *args: str, binary: list[str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    command = binary or [sys.executable, "-m", "composer"]
    return subprocess.run([*command, *args], cwd=directory, capture_output=True, text=True, env=environ, timeout=60)


def made_for(project: str) -> list[str]:
    """Whatever composer keeps for `project`: its run-dir records, volumes and address leases."""
    run, root = Path(os.environ["COMPOSER_RUN"]), Path(os.environ["COMPOSER_ROOT"])
    found = [str(p) for p in (run / "projects").glob(f"{project}*")]
    found += [str(p) for p in (root / "volumes").glob("*") if project in p.name or p.name in ("etc", "a", "..")]
    found += [str(p) for p in (root / "ipam").rglob(f"*{project}*")]
    return found


@pytest.mark.needs_root
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_names_that_would_leave_the_state_dirs_are_refused_before_anything_is_made(tmp_path: Path, case: str):
    text, message = REFUSED[case]
    (tmp_path / "compose.yaml").write_text(text)
    project = f"hostile{secrets.token_hex(3)}"
    assert compose(tmp_path, "-p", project, "config", "-q").returncode == 0  # as Compose's config
    for verb in (("up", "--dry-run", "-d"), ("up", "-d")):
        result = compose(tmp_path, "-p", project, *verb)
        assert result.returncode == 1 and result.stderr.splitlines() == [f"error: {message}" + result.stderr.split(message, 1)[-1].rstrip("\n")], result.stderr
        assert "Traceback" not in result.stderr
    assert made_for(project) == []


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_values_compose_accepts_stay_accepted(tmp_path: Path, case: str):
    outside = tmp_path / "outside"
    outside.mkdir()
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    (project_dir / "escape").symlink_to(outside)
    (project_dir / "token").write_text("t")
    (project_dir / "compose.yaml").write_text(ACCEPTED[case])
    ours = compose(project_dir, "config", "--format", "json")
    assert ours.returncode == 0, ours.stderr
    venv = os.environ.get("COMPOSER_COMPOSE_V2_VENV")
    binary = Path(venv or "/nonexistent") / "lib/python3.11/site-packages/compose/docker-compose"
    if binary.exists():  # the reference: Compose v2's own `config` accepts it too
        theirs = compose(project_dir, "config", "--format", "json", binary=[str(binary)])
        assert theirs.returncode == 0, theirs.stderr
    if case == "env-newline":
        assert '"MOTD": "line one\\nline two"' in ours.stdout


@pytest.mark.needs_root
def test_a_container_name_taken_by_another_project_is_refused(project, other_project):
    taken = f"{project.name}-shared"
    service = f"services:\n  web:\n    image: {BUSYBOX_REF}\n    command: [sleep, '600']\n    container_name: {taken}\n"
    project.write(service)
    other_project.write(service)
    project.compose("up", "-d", check=True)
    for verb in (("up", "--dry-run", "-d"), ("up", "-d")):
        result = other_project.compose(*verb)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.splitlines() == [f'error: service web: container name "{taken}" is already in use by a container of project {project.name}; '
                                              "remove that container, or give this one another container_name"]  # fmt: skip
    assert project.ps()[taken]["State"] == "running"  # the first project's container is untouched
    assert other_project.ps() == {}
