"""Project → the dict `compose config` prints, as Docker Compose v2 prints it.

Key order follows compose-go's structs; mappings are sorted by key; zero values are
left out except where Compose keeps them (fields it holds as pointers: attach, init,
scale, healthcheck timings, enable_ipv4/6, …). Sizes print as strings of bytes,
durations the Go way (`1m30s`), file modes as octal strings, `$` as `$$`. `config_hash` digests a
service's canonical dict, for drift detection.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from composer.config.model import (
    Ambassador,
    BuildConfig,
    Deploy,
    ExecHook,
    FileReference,
    Healthcheck,
    Mount,
    Network,
    PortMapping,
    Project,
    ProjectFile,
    Service,
    ServiceNetwork,
    Ulimit,
    Volume,
    WatchRule,
)
from composer.config.gosort import go_sorted
from composer.config.serialize_json import SERVICE_POSITION, GoMap, json_form_of
from composer.config.units import format_duration

KEEP = object()  # marks a value printed even when zero/false (a Go pointer field)


def _is_empty(value: Any) -> bool:
    return value is None or value is False or (not isinstance(value, bool) and value in (0, "")) or (isinstance(value, (dict, list, tuple)) and not value)


def _compact(*pairs: tuple) -> dict[str, Any]:
    """{key: value} in order, without empty values; (key, value, KEEP) drops only None."""
    out: dict[str, Any] = {}
    for key, value, *flags in pairs:
        if value is None or (not flags and _is_empty(value)):
            continue
        out[key] = list(value) if isinstance(value, tuple) else value
    return out


def _sorted(mapping: dict[str, Any]) -> GoMap:
    """A Go map: keys in the order yaml.v3 prints them (gosort.py); JSON re-sorts it."""
    return GoMap(go_sorted(mapping))


def _number(value: float | None) -> float | int | None:
    """A float as Go prints it: 1.0 is `1`."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _size(value: int | None) -> str | None:
    return None if value is None or value == 0 else str(value)


def _duration(value: int | None) -> str | None:
    return None if value is None else format_duration(value)


def _mode(value: int | None) -> str | None:
    return None if value is None else f"0{value:o}"


def to_compose_dict(project: Project, escape_dollars: bool = True, json_form: bool = False) -> dict[str, Any]:
    """What `compose config` prints; `$` is written `$$` so the output loads back unchanged.

    With --no-interpolate the values still hold their `${VAR}` text, printed as written.
    json_form: what `--format json` prints, which keeps a few empty values YAML leaves out.
    """
    data = _project_dict(project)
    if json_form:
        data = json_form_of(data)
    return _escape_dollars(data) if escape_dollars else data


def _escape_dollars(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {key: _escape_dollars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_dollars(item) for item in value]
    return value


def _project_dict(project: Project) -> dict[str, Any]:
    return _compact(
        ("name", project.name),
        ("services", {name: service_dict(s) for name, s in go_sorted(project.services).items()}, KEEP),  # `{}` too
        ("networks", {k: network_dict(v) for k, v in go_sorted(project.networks).items()}),
        ("volumes", {k: volume_dict(v) for k, v in go_sorted(project.volumes).items()}),
        ("secrets", {k: file_dict(v, secret=True) for k, v in go_sorted(project.secrets).items()}),
        ("configs", {k: file_dict(v, secret=False) for k, v in go_sorted(project.configs).items()}),
        ("models", {k: _in_order(v, _MODEL_ORDER) for k, v in project.models.items()}),
        ("ambassadors", {k: ambassador_dict(v) for k, v in go_sorted(project.ambassadors).items()}),
    ) | go_sorted(project.extensions)


def config_hash(service: Service) -> str:
    """sha256 of the service's canonical dict: equal configs, equal hashes, across runs."""
    canonical = json.dumps(service_dict(service), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def service_dict(s: Service) -> dict[str, Any]:
    data = _service_fields(s)
    if not s.extras:
        return data
    merged = {**data, **s.extras}
    return dict(sorted(merged.items(), key=lambda kv: SERVICE_POSITION.get(kv[0], len(SERVICE_POSITION))))


def _service_fields(s: Service) -> dict[str, Any]:
    return _compact(
        ("profiles", s.profiles),
        ("annotations", _sorted(s.annotations)),
        ("attach", s.attach if s.attach_written or not s.attach else None, KEEP),
        ("build", _build(s.build) if s.build else None),
        ("develop", {"watch": [_watch(w) for w in s.develop.watch]} if s.develop else None),
        ("cap_add", s.cap_add), ("cap_drop", s.cap_drop),
        ("cgroup_parent", s.cgroup_parent), ("cgroup", s.cgroup),
        ("cpu_period", s.cpu_period), ("cpu_quota", s.cpu_quota), ("cpus", _number(s.cpus)),
        ("cpuset", s.cpuset), ("cpu_shares", s.cpu_shares),
        ("command", s.command, KEEP),
        ("configs", [_reference(r) for r in s.configs]),
        ("container_name", s.container_name),
        ("depends_on", GoMap({name: _compact(("condition", d.condition), ("restart", d.restart), ("required", d.required, KEEP)) for name, d in go_sorted(s.depends_on).items()})),
        ("deploy", _deploy(s.deploy) if s.deploy else None),
        ("device_cgroup_rules", s.device_cgroup_rules),
        ("devices", [dict(zip(("source", "target", "permissions"), d.split(":"))) for d in s.devices]),
        ("dns", s.dns), ("dns_opt", s.dns_opt), ("dns_search", s.dns_search),
        ("domainname", s.domainname),
        ("entrypoint", s.entrypoint, KEEP),
        ("environment", _sorted(s.environment)),
        ("expose", s.expose),
        ("external_links", s.external_links),
        ("extra_hosts", sorted(s.extra_hosts)),
        ("group_add", s.group_add),
        ("hostname", s.hostname),
        ("healthcheck", _healthcheck(s.healthcheck) if s.healthcheck else None),
        ("image", s.image), ("init", s.init, KEEP), ("ipc", s.ipc),
        ("labels", _sorted(s.labels)), ("links", s.links),
        ("logging", _compact(("driver", s.logging.driver), ("options", _sorted(s.logging.options))) if s.logging else None),
        ("mem_limit", _size(s.mem_limit)), ("mem_reservation", _size(s.mem_reservation)),
        ("memswap_limit", _size(s.memswap_limit)), ("mem_swappiness", _size(s.mem_swappiness)),
        ("mac_address", s.mac_address),
        ("network_mode", s.network_mode),
        ("networks", GoMap({k: _service_network(v) for k, v in go_sorted(s.networks).items()})),
        ("oom_kill_disable", s.oom_kill_disable), ("oom_score_adj", s.oom_score_adj),
        ("pid", s.pid), ("pids_limit", s.pids_limit), ("platform", s.platform),
        ("ports", [_port(p) for p in s.ports]),
        ("privileged", s.privileged), ("pull_policy", s.pull_policy), ("read_only", s.read_only),
        ("restart", s.restart), ("runtime", s.runtime), ("scale", s.scale, KEEP),
        ("secrets", [_reference(r) for r in s.secrets]),
        ("security_opt", s.security_opt), ("shm_size", _size(s.shm_size)),
        ("stdin_open", s.stdin_open), ("stop_grace_period", _duration(s.stop_grace_period)),
        ("stop_signal", s.stop_signal), ("storage_opt", _sorted(s.storage_opt)),
        ("sysctls", _sorted(s.sysctls)), ("tmpfs", s.tmpfs), ("tty", s.tty),
        ("ulimits", _ulimits(s.ulimits)),
        ("user", s.user), ("userns_mode", s.userns_mode), ("uts", s.uts),
        ("volumes", [_mount(m) for m in s.volumes]),
        ("volumes_from", s.volumes_from), ("working_dir", s.working_dir),
        ("post_start", [_hook(h) for h in s.post_start]), ("pre_stop", [_hook(h) for h in s.pre_stop]),
    ) | s.extensions  # x-* keys come last, as written (compose-go inlines them)


def _build(b: BuildConfig) -> dict[str, Any]:
    return _compact(
        ("context", b.context), ("dockerfile", b.dockerfile), ("dockerfile_inline", b.dockerfile_inline),
        ("entitlements", b.entitlements), ("args", _sorted(b.args)), ("ssh", b.ssh), ("labels", _sorted(b.labels)),
        ("cache_from", b.cache_from), ("cache_to", b.cache_to), ("no_cache", b.no_cache),
        ("additional_contexts", _sorted(b.additional_contexts)), ("pull", b.pull),
        ("extra_hosts", sorted(b.extra_hosts)), ("isolation", b.isolation), ("network", b.network),
        ("target", b.target), ("secrets", [_reference(r) for r in b.secrets]),
        ("shm_size", _size(b.shm_size)), ("tags", b.tags), ("ulimits", _ulimits(b.ulimits)), ("platforms", b.platforms),
        ("privileged", b.privileged),
    )  # fmt: skip


def _ulimits(ulimits: dict[str, Ulimit]) -> dict[str, Any]:
    """One number when written as one (and not 0); else soft and hard (JSON leaves zeros out)."""
    return GoMap({k: u.soft if u.single and u.soft else {"soft": u.soft, "hard": u.hard} for k, u in go_sorted(ulimits).items()})


def _hook(h: ExecHook) -> dict[str, Any]:
    return _compact(("command", h.command, KEEP), ("user", h.user), ("privileged", h.privileged), ("working_dir", h.working_dir), ("environment", _sorted(h.environment)))


def _watch(w: WatchRule) -> dict[str, Any]:
    return _compact(
        ("path", w.path), ("action", w.action), ("target", w.target), ("exec", _hook(w.exec) if w.exec else None),
        ("include", w.include), ("ignore", w.ignore), ("initial_sync", w.initial_sync),
    )  # fmt: skip


def _reference(r: FileReference) -> dict[str, Any]:
    return _compact(("source", r.source), ("target", r.target), ("uid", r.uid), ("gid", r.gid), ("mode", _mode(r.mode)))


_UPDATE_ORDER = ("parallelism", "delay", "failure_action", "monitor", "max_failure_ratio", "order")
_PLACEMENT_ORDER = ("constraints", "preferences", "max_replicas_per_node")
_MODEL_ORDER = ("name", "model", "context_size", "runtime_flags")


def _in_order(mapping: Any, order: tuple[str, ...]) -> Any:
    """An opaque mapping in its compose-go struct's field order."""
    if not isinstance(mapping, dict):
        return mapping
    position = {key: index for index, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda kv: position.get(kv[0], len(order))))


def _deploy(d: Deploy) -> dict[str, Any]:
    resources = d.resources
    limits = resources.limits if resources else None
    reservations = resources.reservations if resources else None
    return _compact(
        ("mode", d.mode), ("replicas", d.replicas, KEEP), ("labels", _sorted(d.labels)),
        ("update_config", _in_order(d.update_config, _UPDATE_ORDER)), ("rollback_config", _in_order(d.rollback_config, _UPDATE_ORDER)),
        ("resources", _compact(
            ("limits", _compact(("cpus", _number(limits.cpus)), ("memory", _size(limits.memory)), ("pids", limits.pids)) if limits else None),
            ("reservations", _compact(("cpus", _number(reservations.cpus)), ("memory", _size(reservations.memory)), ("devices", reservations.devices), ("generic_resources", reservations.generic_resources)) if reservations else None),
        ) if resources else None),
        ("restart_policy", _compact(
            ("condition", d.restart_policy.condition), ("delay", _duration(d.restart_policy.delay), KEEP),
            ("max_attempts", d.restart_policy.max_attempts, KEEP), ("window", _duration(d.restart_policy.window), KEEP),
        ) if d.restart_policy else None),
        ("placement", _in_order(d.placement, _PLACEMENT_ORDER)), ("endpoint_mode", d.endpoint_mode),
    )  # fmt: skip


def _healthcheck(h: Healthcheck) -> dict[str, Any]:
    return _compact(
        ("test", h.test), ("timeout", _duration(h.timeout), KEEP), ("interval", _duration(h.interval), KEEP),
        ("retries", h.retries, KEEP), ("start_period", _duration(h.start_period), KEEP),
        ("start_interval", _duration(h.start_interval), KEEP), ("disable", h.disable),
    )  # fmt: skip


def _service_network(n: ServiceNetwork | None) -> dict[str, Any] | None:
    if n is None:
        return None
    return _compact(
        ("aliases", n.aliases), ("driver_opts", _sorted(n.driver_opts)), ("gw_priority", n.gw_priority),
        ("ipv4_address", n.ipv4_address), ("ipv6_address", n.ipv6_address), ("link_local_ips", n.link_local_ips),
        ("mac_address", n.mac_address), ("priority", n.priority), ("interface_name", n.interface_name),
    )  # fmt: skip


def _port(p: PortMapping) -> dict[str, Any]:
    return _compact(
        ("name", p.name), ("mode", p.mode), ("host_ip", p.host_ip), ("target", p.target, KEEP),
        ("published", p.published), ("protocol", p.protocol), ("app_protocol", p.app_protocol),
    )  # fmt: skip


def _mount(m: Mount) -> dict[str, Any]:
    return _compact(
        ("type", m.type), ("source", m.source), ("target", m.target), ("read_only", m.read_only),
        ("consistency", m.consistency),
        ("bind", _compact(("selinux", m.bind.selinux), ("propagation", m.bind.propagation), ("create_host_path", m.bind.create_host_path)) if m.bind else None, KEEP),
        ("volume", _compact(("nocopy", m.volume.nocopy), ("subpath", m.volume.subpath)) if m.volume else None, KEEP),
        ("tmpfs", _compact(("size", _size(m.tmpfs.size)), ("mode", m.tmpfs.mode)) if m.tmpfs else None, KEEP),
        ("image", {"subpath": m.image_subpath} if m.image_subpath else None),
    )  # fmt: skip


def network_dict(n: Network) -> dict[str, Any]:
    ipam = _compact(
        ("driver", n.ipam.driver),
        ("config", [_compact(("subnet", c.subnet), ("gateway", c.gateway), ("ip_range", c.ip_range), ("aux_addresses", _sorted(c.aux_addresses))) for c in n.ipam.config]),
    )  # ipam.options is not printed by Compose v2.40
    return _compact(
        ("name", None if n.name_blank else n.name), ("driver", n.driver), ("driver_opts", _sorted(n.driver_opts)), ("ipam", ipam),
        ("external", n.external), ("internal", n.internal), ("attachable", n.attachable),
        ("labels", _sorted(n.labels)), ("enable_ipv4", n.enable_ipv4, KEEP), ("enable_ipv6", n.enable_ipv6, KEEP),
    )  # fmt: skip


def volume_dict(v: Volume) -> dict[str, Any]:
    return _compact(("name", None if v.name_blank else v.name), ("driver", v.driver), ("driver_opts", _sorted(v.driver_opts)), ("external", v.external), ("labels", _sorted(v.labels)))


def file_dict(f: ProjectFile, secret: bool) -> dict[str, Any]:
    content = None if secret or f.environment else f.content  # secret values are never printed
    return _compact(
        ("name", f.name), ("file", f.file), ("environment", f.environment), ("content", content),
        ("external", f.external), ("labels", _sorted(f.labels)), ("driver", f.driver), ("template_driver", f.template_driver),
    )  # fmt: skip


def ambassador_dict(a: Ambassador) -> dict[str, Any]:
    return _compact(
        ("listen", str(a.listen)), ("target", str(a.target)), ("networks", a.networks),
        ("ports", [_port(p) for p in a.ports]), ("retry", _duration(a.retry), KEEP),
        ("connect_timeout", _duration(a.connect_timeout)), ("balance", a.balance),
        ("max_connections", a.max_connections), ("idle_timeout", _duration(a.idle_timeout)),
        ("fast_path", a.fast_path if a.fast_path != "auto" else None),
    )  # fmt: skip
