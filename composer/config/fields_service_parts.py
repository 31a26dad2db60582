"""Builders for the structured parts of a service: one small function per Compose key."""

from __future__ import annotations

from composer.config.fields_common import Context, Node, fields
from composer.config.fields_shellwords import ShellSyntaxError, split_words
from composer.config.model import (
    BuildConfig,
    Dependency,
    Develop,
    ExecHook,
    FileReference,
    Healthcheck,
    Logging,
    ServiceNetwork,
    Ulimit,
    WatchRule,
)

CONDITIONS = ("service_started", "service_healthy", "service_completed_successfully")
WATCH_ACTIONS = ("sync", "rebuild", "restart", "sync+restart", "sync+exec")


def shell_command(node: Node) -> tuple[str, ...] | None:
    """command/entrypoint: a string is split like a shell would; '' and [] clear it."""
    if isinstance(node.value, str):
        try:
            words, dropped = split_words(node.value)
        except ShellSyntaxError as exc:
            node.error(f"cannot split {node.value!r} into words: {exc}", "check the quotes, or write it as a list")
            return None
        if dropped:
            node.warn(f"{dropped!r} is dropped, as Compose does (no shell runs it); use [\"sh\", \"-c\", \"…\"] for shell syntax")
        return tuple(words)
    if isinstance(node.value, list):
        return node.string_list()
    node.wrong_type("a string or a list")
    return None


def environment(node: Node) -> dict[str, str | None] | None:
    return node.string_mapping(allow_null=True)


def extra_hosts(node: Node) -> tuple[str, ...] | None:
    """"host:ip", "host=ip" or {host: ip | [ips]} → ("host=ip", …), sorted as Compose does."""
    entries = _host_entries(node)
    return None if entries is None else tuple(sorted(entries))


def _host_entries(node: Node) -> list[str] | None:
    if isinstance(node.value, dict):
        result = []
        for name, child in (node.mapping() or {}).items():
            addresses = child.string_list(allow_single=True) or ()
            result.extend(f"{name}={address}" for address in addresses)
        return result
    result = []
    for entry in node.items() or ():
        text = entry.string()
        if text is None:
            continue
        separator = "=" if "=" in text else ":"
        host, found, address = text.partition(separator)
        if not found or not host or not address:
            entry.error(f"{text!r} is not a host entry", "write HOST=IP, like db=10.0.0.5")
            continue
        result.append(f"{host}={address.strip('[]')}")
    return result


def ulimits(node: Node) -> dict[str, Ulimit] | None:
    result = {}
    for name, child in (node.mapping() or {}).items():
        if isinstance(child.value, dict):
            values = fields(child, {"soft": Node.integer, "hard": Node.integer})
            if values is None:
                continue
            if set(values) != {"soft", "hard"}:
                if set(child.value) >= {"soft", "hard"}:
                    continue
                child.error("needs both soft and hard", f"write {name}: {{soft: N, hard: N}} or {name}: N")
                continue
            if values["soft"] > values["hard"]:
                child.error(f"soft limit {values['soft']} is over the hard limit {values['hard']}")
                continue
            result[name] = Ulimit(values["soft"], values["hard"])
        elif (limit := child.integer()) is not None:
            result[name] = Ulimit(limit, limit, single=True)
    return result


def file_references(node: Node, default_target: str | None = None) -> tuple[FileReference, ...] | None:
    """secrets/configs of a service: "name" or {source, target, uid, gid, mode}."""

    def reference(entry: Node) -> FileReference | None:
        if isinstance(entry.value, str):
            target = f"{default_target}/{entry.value}" if default_target else None
            return FileReference(entry.value, target)
        handlers = {"source": Node.string, "target": Node.string, "uid": Node.scalar_string, "gid": Node.scalar_string, "mode": _file_mode}
        values = fields(entry, handlers)
        if values is None:
            return None
        if "source" not in values:
            if "source" not in entry.value:
                entry.error("is missing 'source'", "add source: NAME")
            return None
        if "target" not in values and default_target:
            values["target"] = f"{default_target}/{values['source']}"
        return FileReference(**values)

    return node.each(reference)


def _file_mode(node: Node) -> int | None:
    if isinstance(node.value, str):
        try:
            return int(node.value, 8)
        except ValueError:
            node.error(f"{node.value!r} is not an octal file mode", "write it like 0440")
            return None
    return node.integer(minimum=0)


def depends_on(node: Node) -> dict[str, Dependency] | None:
    if isinstance(node.value, list):
        names = node.string_list() or ()
        return {name: Dependency() for name in names}
    result = {}
    for name, child in (node.mapping() or {}).items():
        handlers = {"condition": lambda n: n.one_of(CONDITIONS), "restart": Node.boolean, "required": Node.boolean}
        values = fields(child, handlers) if child.value is not None else {}
        if values is not None:
            result[name] = Dependency(**values)
    return result


def service_networks(node: Node) -> dict[str, ServiceNetwork | None] | None:
    if isinstance(node.value, list):
        return {name: None for name in node.string_list() or ()}
    result: dict[str, ServiceNetwork | None] = {}
    for name, child in (node.mapping() or {}).items():
        if child.value is None:
            result[name] = None
            continue
        values = fields(child, _SERVICE_NETWORK)
        if values is not None:
            result[name] = ServiceNetwork(**values)
    return result


_SERVICE_NETWORK = {
    "aliases": Node.string_list,
    "ipv4_address": Node.string,
    "ipv6_address": Node.string,
    "link_local_ips": Node.string_list,
    "mac_address": Node.string,
    "priority": Node.integer,
    "gw_priority": Node.integer,
    "driver_opts": Node.string_mapping,
    "interface_name": Node.string,  # printed, not acted on
}


def healthcheck(node: Node) -> Healthcheck | None:
    handlers = {
        "test": _health_test,
        "interval": Node.duration,
        "timeout": Node.duration,
        "start_period": Node.duration,
        "start_interval": Node.duration,
        "retries": lambda n: n.integer(minimum=0),
        "disable": Node.boolean,
    }
    values = fields(node, handlers)
    if values is None:
        return None
    return Healthcheck(**values)


def _health_test(node: Node) -> tuple[str, ...] | None:
    if isinstance(node.value, str):
        return ("CMD-SHELL", node.value)
    words = node.string_list()
    if words is None:
        return None
    if not words or words[0] not in ("NONE", "CMD", "CMD-SHELL"):
        node.error("a test list must start with NONE, CMD or CMD-SHELL", 'write ["CMD", "curl", "-f", "http://localhost"] or a string')
        return None
    if words[0] != "NONE" and len(words) < 2:
        node.error(f"{words[0]} needs a command after it")
        return None
    return words


def logging(node: Node) -> Logging | None:
    values = fields(node, {"driver": Node.string, "options": lambda n: n.string_mapping() if n.value is not None else {}})
    return Logging(**values) if values is not None else None


def exec_hook(node: Node) -> ExecHook | None:
    handlers = {
        "command": shell_command,
        "user": Node.scalar_string,
        "privileged": Node.boolean,
        "working_dir": Node.string,
        "environment": environment,
    }
    values = fields(node, handlers)
    if values is None:
        return None
    if "command" not in values:
        if "command" not in node.value:
            node.error("is missing 'command'", "add command: …")
        return None
    return ExecHook(**values)


def develop(node: Node, context: Context) -> Develop | None:
    values = fields(node, {"watch": lambda n: n.each(lambda e: _watch_rule(e, context))})
    return Develop(**values) if values is not None else None


def _watch_rule(node: Node, context: Context) -> WatchRule | None:
    handlers = {
        "path": lambda n: context.host_path(n.string()) if isinstance(n.value, str) else n.string(),
        "action": lambda n: n.one_of(WATCH_ACTIONS),
        "target": Node.string,
        "ignore": Node.string_list,
        "include": lambda n: n.string_list(allow_single=True),
        "exec": exec_hook,
        "initial_sync": Node.boolean,
    }
    values = fields(node, handlers)
    if values is None:
        return None
    for required in ("path", "action"):
        if required not in values:
            if required not in node.value:
                node.error(f"is missing {required!r}", f"add {required}: …")
            return None
    return WatchRule(**values)


def build_config(node: Node, context: Context) -> BuildConfig | None:
    if isinstance(node.value, str):
        return BuildConfig(context=_build_context(node.value, context), dockerfile="Dockerfile")
    handlers = {
        "context": Node.string,
        "dockerfile": Node.string,
        "dockerfile_inline": Node.string,
        "args": environment,
        "target": Node.string,
        "labels": Node.string_mapping,
        "cache_from": Node.string_list,
        "cache_to": Node.string_list,
        "network": Node.string,
        "shm_size": Node.size,
        "extra_hosts": extra_hosts,
        "tags": Node.string_list,
        "platforms": Node.string_list,
        "additional_contexts": Node.string_mapping,
        "no_cache": Node.boolean,
        "pull": Node.boolean,
        "privileged": Node.boolean,
        "isolation": Node.string,
        "entitlements": Node.string_list,
        "ulimits": ulimits,
        "ssh": lambda n: n.string_list(allow_single=True) if isinstance(n.value, (list, str)) else _ssh_mapping(n),
        "secrets": file_references,
    }
    values = fields(node, handlers)
    if values is None:
        return None
    values["context"] = _build_context(values.get("context", "."), context)
    if "dockerfile_inline" not in values:
        values.setdefault("dockerfile", "Dockerfile")
    contexts = values.get("additional_contexts", {})
    values["additional_contexts"] = {k: _build_context(v, context) for k, v in contexts.items()}
    return BuildConfig(**values)


def _ssh_mapping(node: Node) -> tuple[str, ...] | None:
    mapping = node.string_mapping()
    return None if mapping is None else tuple(f"{k}={v}" if v else k for k, v in mapping.items())


def _build_context(path: str, context: Context) -> str:
    """A local context becomes absolute; URLs and other contexts (`service:x`) stay as written."""
    if "://" in path or path.startswith(("git@", "github.com/", "service:", "docker-image:", "oci-layout:")):
        return path
    return context.host_path(path)
