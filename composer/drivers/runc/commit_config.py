"""The run settings a committed image carries: as `docker commit`, the container's own
(its service's command, entrypoint, environment, working dir, user, ports, labels, stop
signal) laid over its image's. Pure, so the rules are unit-tested."""

from __future__ import annotations

from typing import Any

from composer.config.model import Service


def committed_config(parent: dict[str, Any], service: Service | None, args: tuple[str, ...]) -> dict[str, Any]:
    """The new image config's "config" object. `args` is what the container ran (its record):
    when the service no longer gives the same (its file changed since), that is the Cmd."""
    config = dict(parent)
    if service is None:
        return config
    entrypoint, cmd = _entrypoint_and_cmd(parent, service)
    if tuple(entrypoint or ()) + tuple(cmd or ()) != tuple(args):
        entrypoint, cmd = None, list(args)
    _set(config, "Entrypoint", entrypoint)
    _set(config, "Cmd", cmd)
    env = dict(item.split("=", 1) if "=" in item else (item, "") for item in parent.get("Env") or ())
    env.update({key: value for key, value in service.environment.items() if value is not None})
    _set(config, "Env", [f"{key}={value}" for key, value in env.items()] or None)
    if service.working_dir:
        config["WorkingDir"] = service.working_dir
    if service.user is not None:
        config["User"] = service.user
    if service.stop_signal:
        config["StopSignal"] = service.stop_signal
    ports = dict(parent.get("ExposedPorts") or {})
    ports.update({port: {} for port in _exposed(service)})
    _set(config, "ExposedPorts", ports or None)
    _set(config, "Labels", {**(parent.get("Labels") or {}), **service.labels} or None)
    return config


def _entrypoint_and_cmd(parent: dict[str, Any], service: Service) -> tuple[list[str] | None, list[str] | None]:
    if service.entrypoint is not None:  # as Docker: a new entrypoint resets the image's Cmd
        return list(service.entrypoint), list(service.command) if service.command else None
    cmd = service.command if service.command is not None else parent.get("Cmd")
    return parent.get("Entrypoint"), list(cmd) if cmd is not None else None


def _exposed(service: Service) -> list[str]:
    """"80/tcp" keys for the service's ports and expose: ("8000-8002" is three)."""
    found = [f"{port.target}/{port.protocol}" for port in service.ports]
    for entry in service.expose:
        numbers, _, protocol = str(entry).partition("/")
        first, _, last = numbers.partition("-")
        if first.isdigit() and (not last or last.isdigit()):
            found += [f"{n}/{protocol or 'tcp'}" for n in range(int(first), int(last or first) + 1)]
    return found


def _set(config: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        config.pop(key, None)
    else:
        config[key] = value
