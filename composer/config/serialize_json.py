"""What `config --format json` prints differently from YAML, as Go's encoding/json does.

compose-go's JSON keeps what encoding/json cannot omit (struct-typed fields such as
ipam, deploy.resources, a watch rule's exec; command/entrypoint tagged without
omitempty), leaves out a service's x-* keys and top-level models, writes a blkio device
list with Go's field names, and sorts every Go map's keys bytewise (YAML uses yaml.v3's
order) while structs keep their field order.
"""

from __future__ import annotations

from typing import Any

from composer.config.fields_printed import BLKIO_DEVICE_LISTS


class GoMap(dict):
    """A dict that was a Go map (environment, labels, …), not a struct: JSON sorts its keys."""


# compose-go's ServiceConfig field order: where `config` prints each key.
SERVICE_KEY_ORDER = (
    "name profiles annotations attach build develop blkio_config cap_add cap_drop cgroup_parent cgroup cpu_count "
    "cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpus cpuset cpu_shares command configs "
    "container_name credential_spec depends_on deploy device_cgroup_rules devices dns dns_opt dns_search dockerfile "
    "domainname entrypoint provider environment env_file expose extends external_links extra_hosts group_add gpus "
    "hostname healthcheck image init ipc isolation labels label_file links logging log_driver log_opt mem_limit "
    "mem_reservation memswap_limit mem_swappiness mac_address models net network_mode networks oom_kill_disable "
    "oom_score_adj pid pids_limit platform ports privileged pull_policy read_only restart runtime scale secrets "
    "security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits "
    "use_api_socket user userns_mode uts volume_driver volumes volumes_from working_dir pre_start post_start pre_stop"
).split()
SERVICE_POSITION = {key: index for index, key in enumerate(SERVICE_KEY_ORDER)}

_DEPLOY_ORDER = ("mode", "replicas", "labels", "update_config", "rollback_config", "resources", "restart_policy", "placement", "endpoint_mode")
_WATCH_ORDER = ("path", "action", "target", "exec", "include", "ignore", "initial_sync")
_NETWORK_ORDER = ("name", "driver", "driver_opts", "ipam", "external", "internal", "attachable", "labels", "enable_ipv4", "enable_ipv6")


def json_form_of(data: dict[str, Any]) -> dict[str, Any]:
    """The printed dict, changed into what Compose's JSON holds, in its key order."""
    data = _keep_empty(data)
    services = {name: _service_order(service) for name, service in sorted(data.get("services", {}).items())}
    result = {key: _maps_sorted(value) for key, value in sorted(data.items())}
    result["services"] = {name: _maps_sorted(service) for name, service in services.items()}
    for key in ("networks", "volumes", "secrets", "configs"):
        if key in result:
            result[key] = dict(sorted(result[key].items()))
    if "networks" in result:
        result["networks"] = {name: _in_order(network, _NETWORK_ORDER) for name, network in result["networks"].items()}
    for key in [key for key in result if key.startswith("x-")]:
        result[key] = _all_sorted(result[key])  # an extension is a map all the way down
    return result


def _service_order(service: dict[str, Any]) -> dict[str, Any]:
    service = _in_order(service, SERVICE_KEY_ORDER)
    if "deploy" in service:
        service["deploy"] = _in_order(service["deploy"], _DEPLOY_ORDER)
    if "develop" in service:
        service["develop"] = {**service["develop"], "watch": [_in_order(rule, _WATCH_ORDER) for rule in service["develop"].get("watch", ())]}
    return service


def _in_order(mapping: dict[str, Any], order: tuple[str, ...] | list[str]) -> dict[str, Any]:
    position = {key: index for index, key in enumerate(order)}
    return dict(sorted(mapping.items(), key=lambda kv: position.get(kv[0], len(position))))


def _maps_sorted(value: Any) -> Any:
    """Every GoMap below `value` with its keys sorted bytewise, structs untouched."""
    if isinstance(value, GoMap):
        return GoMap({key: _maps_sorted(value[key]) for key in sorted(value)})
    if isinstance(value, dict):
        return {key: _maps_sorted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_maps_sorted(item) for item in value]
    return value


def _all_sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _all_sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_all_sorted(item) for item in value]
    return value


def _keep_empty(data: dict[str, Any]) -> dict[str, Any]:
    """Compose's JSON keeps what Go's encoding/json cannot omit: struct-typed fields
    (ipam, deploy.resources/placement, watch exec) and the fields tagged without
    omitempty (command, entrypoint, a hook's command)."""
    for service in data.get("services", {}).values():
        if "blkio_config" in service:  # Go structs without json tags: the device lists use Go's field names
            blkio = service["blkio_config"]
            service["blkio_config"] = {k: [{n.capitalize(): v for n, v in item.items()} for item in value] if k in BLKIO_DEVICE_LISTS else value for k, value in blkio.items()}
        for key in [key for key in service if key.startswith("x-")]:
            del service[key]  # compose-go's JSON leaves a service's extensions out
        if "ulimits" in service:
            service["ulimits"] = _json_ulimits(service["ulimits"])
        if "ulimits" in service.get("build", {}):
            service["build"] = {**service["build"], "ulimits": _json_ulimits(service["build"]["ulimits"])}
        service.setdefault("command", None)
        service.setdefault("entrypoint", None)
        if "deploy" in service:
            service["deploy"].setdefault("resources", {})
            service["deploy"].setdefault("placement", {})
        for rule in service.get("develop", {}).get("watch", ()):
            rule.setdefault("exec", {"command": None})
    for network in data.get("networks", {}).values():
        network.setdefault("ipam", {})
    data.pop("models", None)  # compose-go's JSON leaves top-level models out
    return data


def _json_ulimits(ulimits: dict[str, Any]) -> dict[str, Any]:
    return GoMap({k: {n: v for n, v in u.items() if v} if isinstance(u, dict) else u for k, u in ulimits.items()})
