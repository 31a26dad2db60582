"""`compose run`'s flags applied to its service: the one-off as Compose v2 makes it (pure).

Compose's rules: the command replaces the service's; -e/--env-from-file, -l, -v, -p,
--cap-add/--cap-drop add to the service's; ports are published only with -P/-p;
restart, deploy replicas and depends_on do not apply to a one-off.
"""

from __future__ import annotations

import dataclasses
import os
import shlex

from composer.config.fields_ports import PortSyntaxError, parse_port_spec
from composer.config.fields_volumes import clean_target, is_host_path, split_volume_spec
from composer.config.model import BindOptions, Mount, Project, Service, VolumeOptions
from composer.errors import ComposerError


def one_off_name(project: str, service: str, token: str) -> str:
    """Compose v2's name for a run container: <project>-<service>-run-<12 hex>."""
    return f"{project}-{service}-run-{token}"


def one_off_service(project: Project, service: Service, args, name: str, env_files: dict[str, str]) -> Service:
    env = dict(service.environment)
    env.update(env_files)
    env.update(_env_item(item) for item in args.env)
    ports = service.ports if args.service_ports else ()
    ports += tuple(mapping for spec in args.publish for mapping in _ports(spec))
    return dataclasses.replace(
        service,
        command=tuple(args.command) if args.command else service.command,
        entrypoint=tuple(shlex.split(args.entrypoint)) if args.entrypoint is not None else service.entrypoint,
        environment=env,
        labels={**service.labels, **dict(_label(item) for item in args.label)},
        volumes=service.volumes + tuple(volume_mount(project, spec) for spec in args.volume),
        user=args.user or service.user,
        working_dir=args.workdir or service.working_dir,
        cap_add=tuple(dict.fromkeys(service.cap_add + tuple(args.cap_add))),
        cap_drop=tuple(dict.fromkeys(service.cap_drop + tuple(args.cap_drop))),
        container_name=args.name or name,
        tty=args.tty,
        stdin_open=args.interactive,
        restart="no",
        deploy=None,
        scale=1,
        ports=ports,
        depends_on={},
    )


def _env_item(item: str) -> tuple[str, str | None]:
    """KEY=VAL, or KEY alone: its value here (unset when we have none), as docker run -e."""
    key, equals, value = item.partition("=")
    return (key, value) if equals else (key, os.environ.get(key))


def _label(item: str) -> tuple[str, str]:
    key, _, value = item.partition("=")
    return key, value


def _ports(spec: str):
    try:
        return parse_port_spec(spec)
    except PortSyntaxError as exc:
        raise ComposerError(f"invalid port {spec!r}: {exc}") from None


def volume_mount(project: Project, spec: str) -> Mount:
    """-v SRC:DST[:ro]: a host path (relative to the project dir) binds, a name is a project volume."""
    parts = split_volume_spec(spec)
    if len(parts) == 1:
        return Mount(type="volume", target=clean_target(parts[0]), volume=VolumeOptions())
    if len(parts) > 3 or "" in parts:
        raise ComposerError(f"invalid volume {spec!r}", "write SRC:DST[:ro]")
    source, target = parts[0], clean_target(parts[1])
    read_only = len(parts) == 3 and "ro" in parts[2].split(",")
    if is_host_path(source):
        path = os.path.join(str(project.project_dir), os.path.expanduser(source))
        return Mount(type="bind", source=os.path.normpath(path), target=target, read_only=read_only, bind=BindOptions(create_host_path=True))
    if source not in project.volumes:
        raise ComposerError(f"volume {source!r} is not declared in the project", "declare it under volumes:, or bind a path (./dir)")
    return Mount(type="volume", source=source, target=target, read_only=read_only, volume=VolumeOptions())
