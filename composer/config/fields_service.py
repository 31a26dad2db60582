"""One service: its mapping → Service, through a table of one handler per Compose key."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from composer.config import fields_service_parts as parts
from composer.config.fields_common import Context, Node
from composer.config.fields_deploy import deploy
from composer.config.fields_envfile import env_files, read_service_env_files
from composer.config.fields_printed import PRINTED_ONLY, sorted_plain
from composer.config.fields_ports import expose_list, port_mappings
from composer.config.fields_readiness import KEY as READINESS_KEY
from composer.config.fields_readiness import readiness
from composer.config.fields_volumes import mounts
from composer.config.model import BuildConfig, Dependency, Service

_RESTART = re.compile(r"^(no|always|unless-stopped|on-failure(:\d+)?)$")
_PULL_POLICY = re.compile(r"^(always|never|missing|if_not_present|build|daily|weekly|every_\w+)$")

# Resolved before build (by assemble.py); tolerated if still present.
ASSEMBLY_KEYS = ("extends",)


def _restart(node: Node) -> str | None:
    if node.value is False:  # `restart: no` unquoted is a YAML 1.1 boolean
        return "no"
    text = node.string()
    if text is not None and not _RESTART.match(text):
        node.error(f"{text!r} is not a restart policy", "use no, always, on-failure[:N] or unless-stopped")
        return None
    return text


def _pull_policy(node: Node) -> str | None:
    text = node.string()
    if text == "if_not_present":  # an alias Compose prints as missing
        return "missing"
    if text is not None and not _PULL_POLICY.match(text):
        node.error(f"{text!r} is not a pull policy", "use always, never, missing, build, daily, weekly or every_<duration>")
        return None
    return text


def _devices(node: Node) -> tuple[str, ...] | None:
    """"host[:container[:perms]]" or {source, target, permissions} → "host:container:perms"."""

    def device(entry: Node) -> str | None:
        if isinstance(entry.value, dict):
            mapping = entry.mapping(("source", "target", "permissions")) or {}
            values = {key: child.string() for key, child in mapping.items()}
            if not values.get("source"):
                entry.error("is missing 'source'", "add source: /dev/…")
                return None
            return f"{values['source']}:{values.get('target') or values['source']}:{values.get('permissions') or 'rwm'}"
        text = entry.string()
        if text is None:
            return None
        pieces = text.split(":")
        if len(pieces) > 3 or not pieces[0]:
            entry.error(f"{text!r} is not a device mapping", "write HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]")
            return None
        pieces += [pieces[0], "rwm"][len(pieces) - 1 :]
        return ":".join(pieces)

    return node.each(device)


def _profiles(node: Node) -> tuple[str, ...] | None:
    names = node.string_list()
    for name in names or ():
        if not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", name):
            node.error(f"{name!r} is not a profile name", "use letters, digits, '_', '.', '-'")
            return None
    return names


def _handlers(context: Context) -> dict[str, Callable[[Node], Any]]:
    string, boolean, integer = Node.string, Node.boolean, Node.integer
    string_list, mapping = Node.string_list, Node.string_mapping
    return {
        "image": string, "build": lambda n: parts.build_config(n, context), "pull_policy": _pull_policy,
        "platform": string, "command": parts.shell_command, "entrypoint": parts.shell_command,
        "working_dir": string, "user": string, "environment": parts.environment,
        "env_file": lambda n: env_files(n, context), "labels": mapping, "annotations": mapping,
        "ports": _unique_ports, "expose": expose_list, "volumes": lambda n: mounts(n, context),
        "volumes_from": string_list, "tmpfs": lambda n: n.string_list(allow_single=True),
        "networks": parts.service_networks, "network_mode": string, "links": string_list,
        "external_links": string_list, "depends_on": parts.depends_on, "healthcheck": parts.healthcheck,
        "restart": _restart, "logging": parts.logging, "hostname": string, "domainname": string,
        "mac_address": string, "dns": lambda n: n.string_list(allow_single=True),
        "dns_search": lambda n: n.string_list(allow_single=True), "dns_opt": string_list,
        "extra_hosts": parts.extra_hosts, "init": boolean, "stop_signal": string,
        "stop_grace_period": Node.duration, "mem_limit": Node.size, "mem_reservation": Node.size,
        "memswap_limit": lambda n: n.size(allow_unlimited=True), "mem_swappiness": lambda n: _bounded(n, 0, 100),
        "shm_size": Node.size, "cpus": _non_negative_number, "cpu_shares": integer, "cpu_period": integer,
        "cpu_quota": integer, "cpuset": Node.scalar_string, "pids_limit": lambda n: n.integer(minimum=-1),
        "ulimits": parts.ulimits, "cap_add": string_list, "cap_drop": string_list, "privileged": boolean,
        "read_only": boolean, "security_opt": string_list, "sysctls": mapping, "devices": _devices,
        "device_cgroup_rules": string_list, "group_add": string_list, "ipc": string, "pid": string,
        "uts": string, "userns_mode": string, "cgroup": lambda n: n.one_of(("host", "private")),
        "cgroup_parent": string, "runtime": string, "oom_score_adj": lambda n: _bounded(n, -1000, 1000),
        "oom_kill_disable": boolean, "tty": boolean, "stdin_open": boolean, "attach": boolean,
        "scale": lambda n: n.integer(minimum=0), "deploy": deploy,
        "secrets": lambda n: parts.file_references(n, default_target="/run/secrets"),
        "configs": parts.file_references, "develop": lambda n: parts.develop(n, context),
        "post_start": lambda n: n.each(parts.exec_hook), "pre_stop": lambda n: n.each(parts.exec_hook),
        "profiles": _profiles, "container_name": _container_name, "storage_opt": mapping,
    }  # fmt: skip


def _unique_ports(node: Node) -> tuple | None:
    """Compose keeps one of equal mappings, once ranges are expanded ("3000" and "3000-3005")."""
    ports = port_mappings(node)
    return None if ports is None else tuple(dict.fromkeys(ports))


def _bounded(node: Node, low: int, high: int) -> int | None:
    value = node.integer()
    if value is not None and not low <= value <= high:
        node.error(f"{value} is out of range", f"use {low} to {high}")
        return None
    return value


def _non_negative_number(node: Node) -> float | None:
    value = node.number()
    if value is not None and value < 0:
        node.error(f"{value} is negative", "use 0 or more")
        return None
    return value


def _container_name(node: Node) -> str | None:
    name = node.string()
    if name is not None and not re.match(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$", name):
        node.error(f"{name!r} is not a valid container name", "use letters, digits, '_', '.', '-', starting with a letter or digit")
        return None
    return name


def build_service(node: Node, context: Context, read_env_files: bool = True) -> Service | None:
    """The Service for `services.<name>`, or None after reporting its problems."""
    if node.value is None:
        node.error("is empty", "give it an image: or a build:")
        return None
    handlers = _handlers(context)
    allowed = [*handlers, *PRINTED_ONLY, *ASSEMBLY_KEYS]
    entries = node.mapping(allowed)
    if entries is None:
        return None
    before = len(node.problems)
    values: dict[str, Any] = {}
    extras: dict[str, Any] = {}
    for key, child in entries.items():
        if key in PRINTED_ONLY:  # accepted and printed back by `config`, not acted on
            child.warn("not supported by composer; ignored")
            if (value := PRINTED_ONLY[key](child)) is not None:
                extras[key] = value
            continue
        if key in ASSEMBLY_KEYS:
            continue
        value = handlers[key](child)
        if value is not None:
            values[key] = value
    if READINESS_KEY in node.value:  # an x- key: mapping() skipped it
        values["readiness"] = readiness(node.child(READINESS_KEY, node.value[READINESS_KEY]))
    image_given = bool(values.get("image")) or ("image" in entries and "image" not in values)  # `image: ""` (an unset variable) is none
    if not image_given and "build" not in values and "provider" not in extras and "build" not in entries:
        node.error(f"service {node.name!r} has neither an image nor a build context", "add image: NAME or build: DIRECTORY")
    if len(node.problems) > before:
        return None
    values["environment"] = _environment(node, values, context, read_env_files)
    if "build" in values:
        values["build"] = _resolve_build_args(values["build"], context)
    if "scale" in values and "deploy" in values and not _scale_agrees(node, values):
        return None
    values["depends_on"] = _with_implicit_dependencies(values)
    values["attach_written"] = values.get("attach") is True
    values["extras"] = extras
    values["extensions"] = {key: sorted_plain(value) for key, value in node.value.items() if key.startswith("x-")}
    return Service(name=node.name, **values)


def _scale_agrees(node: Node, values: dict[str, Any]) -> bool:
    """scale and deploy.replicas must agree; Compose then keeps the two in step."""
    scale, replicas = values["scale"], values["deploy"].replicas
    if replicas is not None and replicas != scale:
        node.child("scale", node.value["scale"]).error(f"service {node.name!r} sets scale {scale} and deploy.replicas {replicas}", "keep one of them")
        return False
    values["deploy"] = replace(values["deploy"], replicas=scale)
    return True


def _with_implicit_dependencies(values: dict[str, Any]) -> dict[str, Dependency]:
    """links, network_mode/ipc/pid `service:x` and volumes_from add dependencies, as in Compose.

    An explicit depends_on entry wins; the implicit ones restart with their target,
    except volumes_from.
    """
    result = dict(values.get("depends_on", {}))
    restarting = [link.split(":")[0] for link in values.get("links", ())]
    restarting += [values[key][len("service:") :] for key in ("network_mode", "ipc", "pid") if str(values.get(key, "")).startswith("service:")]
    for name in restarting:
        result.setdefault(name, Dependency(restart=True))
    for source in values.get("volumes_from", ()):
        if not source.startswith("container:"):
            result.setdefault(source.split(":")[0], Dependency())
    return result


def _resolve_build_args(build: BuildConfig, context: Context) -> BuildConfig:
    """A bare build arg takes the project environment's value, or is dropped (the Dockerfile default)."""
    args = {name: context.environment.get(name) if value is None else value for name, value in build.args.items()}
    return replace(build, args={name: value for name, value in args.items() if value is not None})


def _environment(node: Node, values: dict[str, Any], context: Context, read_env_files: bool) -> dict[str, str | None]:
    """env_file contents, then `environment:`; a bare NAME takes the project environment's value."""
    files = values.get("env_file", ()) if read_env_files else ()
    merged: dict[str, str | None] = dict(read_service_env_files(node.child("env_file", node.value.get("env_file")), files, context.environment))
    merged.update(values.get("environment", {}))
    return {name: context.environment.get(name) if value is None else value for name, value in merged.items()}
