"""Starting a container's log pump (log_pump.py): a detached process per container with
composer's `file` log driver, running the same composer as the CLI that starts it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import composer
from composer import paths


def default_dir(name: str) -> Path:
    """Where a container's file logs go when its options name no `path`."""
    return paths.data_root() / "docker-logs" / name


def start_log_pump(host: str, project: str, service, name: str, container_id: str) -> int:
    directory = default_dir(name)
    directory.mkdir(parents=True, exist_ok=True)
    config = {
        "project": project, "service": service.name, "name": name, "default_dir": str(directory),
        "driver": service.logging.driver, "options": {k: str(v) for k, v in service.logging.options.items()},
    }
    source = str(Path(composer.__file__).resolve().parents[1])  # this composer, installed or not
    env = dict(os.environ, PYTHONPATH=source)
    with open(directory / "pump.err", "ab") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "composer.drivers.docker.log_pump", host, container_id, json.dumps(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors, env=env, start_new_session=True, cwd="/",
        )
    return process.pid
