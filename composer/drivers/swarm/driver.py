"""SwarmDriver: the face of the swarm driver.

It has the `deploys_stack` capability (drivers/protocol.py, StackDriver): Swarm converges
whole services, so the CLI asks it to deploy, remove and list the stack rather than
driving containers one by one. A verb that needs a container-level method this driver
lacks gets one clear line, never a traceback (__getattr__)."""

from __future__ import annotations

from collections.abc import Iterator

from composer.config.model import Project
from composer.drivers.protocol import ContainerState, Reporter, StackOptions
from composer.drivers.swarm import names
from composer.drivers.swarm.deploy import StackResult
from composer.errors import ComposerError


class SwarmDriver:
    deploys_stack = True

    def __init__(self) -> None:
        from composer.drivers.swarm.runtime import SwarmRuntime

        self._client = None
        self.runtime = SwarmRuntime(self)  # exec into a local task; Swarm does the rest itself

    @property
    def client(self):
        if self._client is None:
            from composer.drivers.swarm.client import connect

            self._client = connect()
        return self._client

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        raise ComposerError(f"the swarm driver does not support this command (it has no `{name}`)",
                            "use docker's own commands on the stack, or the runc driver")

    # --- the stack ----------------------------------------------------------------------

    def deploy(self, project: Project, options: StackOptions, reporter: Reporter) -> StackResult:
        from composer.drivers.swarm.deploy import deploy

        return deploy(self.client, project, options, reporter, lambda p, service: self.containers(p.name, service))

    def remove(self, project: str, reporter: Reporter, volumes: bool = False) -> None:
        from composer.drivers.swarm.deploy import remove

        remove(self.client, project, reporter, volumes)

    def services(self, project: str) -> list[dict]:
        """The stack's services as the Engine API lists them, by name."""
        from composer.drivers.swarm.client import api_errors

        with api_errors(f"stack {project}"):
            found = self.client.api.services(filters=names.namespace_filter(project))
        return sorted(found, key=lambda s: s["Spec"]["Name"])

    def containers(self, project: str, service: str | None = None) -> list[ContainerState]:
        """Each service's newest task per slot, as ContainerStates (for waits and ps)."""
        from composer.drivers.swarm.tasks import newest_tasks, slots_wanted, task_state

        states = []
        for entry in self.services(project):
            spec = entry["Spec"]
            compose_name = spec["TaskTemplate"]["ContainerSpec"].get("Labels", {}).get(names.SERVICE, spec["Name"])
            if service is not None and compose_name != service:
                continue
            health = spec["TaskTemplate"]["ContainerSpec"].get("Healthcheck", {}).get("Test", ["NONE"]) != ["NONE"]
            tasks = slots_wanted(newest_tasks(self._tasks_of(entry)), spec["Mode"])
            current = spec.get("Labels", {}).get(names.SPEC_HASH, "")
            states += [task_state(project, compose_name, spec["Name"], t, health, current) for t in tasks]
        return sorted(states, key=lambda s: s.name)

    def tasks(self, project: str, service: str | None = None) -> list[dict]:
        """(service spec name, task) of the stack's newest tasks, for `ps`."""
        from composer.drivers.swarm.tasks import newest_tasks

        found = []
        for entry in self.services(project):
            if service is None or entry["Spec"]["Name"] == names.service_name(project, service):
                found += [{"service": entry["Spec"]["Name"], **t} for t in newest_tasks(self._tasks_of(entry))]
        return found

    def node_names(self) -> dict[str, str]:
        """Node ID → hostname, for ps."""
        from composer.drivers.swarm.client import api_errors

        with api_errors("nodes"):
            return {n["ID"]: n["Description"]["Hostname"] for n in self.client.api.nodes()}

    def _tasks_of(self, service: dict) -> list[dict]:
        from composer.drivers.swarm.client import api_errors

        with api_errors(f"service {service['Spec']['Name']}"):
            return self.client.api.tasks(filters={"service": service["ID"]})

    def log_lines(self, service: dict, follow: bool, timestamps: bool, tail) -> Iterator[tuple[str, bytes]]:
        """(slot, line) of the service's log stream, which the manager gathers from every node."""
        from composer.drivers.swarm.client import api_errors

        slots = {t["ID"]: str(t.get("Slot") or t.get("NodeID")) for t in self._tasks_of(service)}
        with api_errors(f"logs of {service['Spec']['Name']}"):
            stream = self.client.api.service_logs(service["ID"], details=True, follow=follow, stdout=True, stderr=True,
                                                  timestamps=timestamps, tail=tail)
            pending = b""
            for chunk in stream:
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    yield _split_details(line, slots)

    def events(self) -> Iterator[dict]:
        """The engine's service and container events, as they come, until interrupted."""
        from composer.drivers.swarm.client import api_errors

        with api_errors("events"):
            stream = self.client.events(decode=True, filters={"type": ["service", "container"]})
            try:
                yield from stream
            finally:
                stream.close()


def _split_details(line: bytes, slots: dict[str, str]) -> tuple[str, bytes]:
    """A details line is `[timestamp ]k=v,k=v message`: the task id names the slot."""
    head, _, rest = line.partition(b" ")
    stamp = b""
    if head[:1].isdigit() and b"=" not in head:  # timestamps come first
        stamp, (head, _, rest) = head + b" ", rest.partition(b" ")
    details = dict(part.split(b"=", 1) for part in head.split(b",") if b"=" in part)
    return slots.get(details.get(b"com.docker.swarm.task.id", b"").decode(), "?"), stamp + rest
