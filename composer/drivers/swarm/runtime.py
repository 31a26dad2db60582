"""The one container step a stack's task offers through the driver's `runtime`: exec, into
the task's container when it runs on this node (the engine the driver talks to). Swarm
starts, stops and restarts tasks itself, so the other Runtime steps are refused in one line."""

from __future__ import annotations

import os
import shutil
import sys

from composer.drivers.swarm.client import api_errors
from composer.errors import ComposerError


class SwarmRuntime:
    def __init__(self, driver) -> None:
        self._driver = driver

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise ComposerError(f"the swarm driver does not {name} tasks one by one: Swarm schedules them",
                            "change the compose file and run `up -d`, or use `docker service` commands")

    def local_container(self, task: str) -> str:
        """The ID of the container of task `<stack>_<service>.<slot>` on this node."""
        service = task.rpartition(".")[0]
        client = self._driver.client
        with api_errors(f"task {task}"):
            found = client.api.containers(filters={"label": [f"com.docker.swarm.service.name={service}"]})
        for container in found:
            if any(name.lstrip("/").startswith(f"{task}.") for name in container["Names"]):
                return container["Id"]
        raise ComposerError(f"task {task} does not run on this node", "exec runs in a task on the node DOCKER_HOST names")

    def exec(self, name: str, command, env=None, user=None, cwd=None, tty: bool = False, privileged: bool = False) -> int:
        container = self.local_container(name)
        if tty and shutil.which("docker"):  # an interactive terminal: the docker CLI already does it well
            argv = ["docker", "exec", "-it", *(f"--env={k}={v}" for k, v in (env or {}).items()),
                    *([f"--user={user}"] if user else []), *([f"--workdir={cwd}"] if cwd else []), *(["--privileged"] if privileged else []), container, *command]
            os.execvp("docker", argv)
        client = self._driver.client
        with api_errors(f"exec in {name}"):
            made = client.api.exec_create(container, list(command), environment=env or None, user=user or "", workdir=cwd, tty=False, privileged=privileged)
            for out, err in client.api.exec_start(made["Id"], stream=True, demux=True):
                for data, stream in ((out, sys.stdout.buffer), (err, sys.stderr.buffer)):
                    if data:
                        stream.write(data)
                        stream.flush()
            return client.api.exec_inspect(made["Id"])["ExitCode"] or 0
