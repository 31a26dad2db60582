"""What `ps` shows of a runc container beyond its state: its volumes and binds, read from
its bundle's config.json, and the networks it is on, from its attachment record."""

from __future__ import annotations

import json
from dataclasses import dataclass

from composer.drivers.runc import hostsfiles, networks, resources
from composer.runtime.layout import containers_dir
from composer.runtime.oci_mounts import INIT_TARGET

JSON_DECODER = json.JSONDecoder()


@dataclass(frozen=True)
class HostDirs:
    """Where each container's bundle and volumes are, as strings worked out once per `ps`:
    building paths with pathlib per container cost more than reading the files."""

    bundles: str  # runtime/layout.py's containers dir: <run root>/containers/<name>/config.json
    volumes: str  # resources.py's volumes root: <volumes>/<name>/_data
    anonymous: str  # resources.anonymous_root() with a NUL where the container's name goes

    @classmethod
    def current(cls) -> HostDirs:
        return cls(str(containers_dir()), str(resources.volumes_root()), resources.anonymous_root("\0"))


def mount_names(container: str, dirs: HostDirs) -> tuple[int, list[str]]:
    """(local volume count, names) of the container's volumes and binds, Docker's way: a
    volume by its name (an anonymous one by its directory's), a bind by its host path.
    From the bundle's config.json: what the container really has, one small file read."""
    try:
        mounts = bundle_mounts(f"{dirs.bundles}/{container}/config.json")  # the OCI bundle's file name
    except (OSError, ValueError):
        return 0, []
    volumes, anonymous = dirs.volumes + "/", dirs.anonymous.replace("\0", container) + "/"
    local, names = 0, []
    for mount in mounts:
        source = mount.get("source", "")
        if mount.get("type") != "bind" or mount.get("destination") in (hostsfiles.MOUNT_POINT, INIT_TARGET):
            continue  # tmpfs and kernel filesystems; composer's own /etc/hosts dir and init
        for root in (volumes, anonymous):
            if source.startswith(root):
                local, source = local + 1, source[len(root):].split("/", 1)[0]
                break
        names.append(source)
    return local, names


TOP_LEVEL_MOUNTS = '\n "mounts": '  # how runc_driver writes config.json (indent=1)


def bundle_mounts(config_json: str) -> list[dict]:
    """The `mounts` of a runc config.json, parsing only that array: the whole file (16 kB with
    its seccomp profile) took four times longer to parse than the rest of a ps row."""
    with open(config_json, encoding="utf-8") as file:
        text = file.read()
    start = text.find(TOP_LEVEL_MOUNTS)  # a newline and one space: a key of the top object
    if start < 0:
        return json.loads(text).get("mounts", [])
    mounts, _ = JSON_DECODER.raw_decode(text, start + len(TOP_LEVEL_MOUNTS))
    return mounts if isinstance(mounts, list) else []


def network_names(project: str, container: str, service) -> list[str]:
    """The networks the container is on, by their full names (`<project>_default`); Docker
    calls a container of network_mode none or host on network "none" or "host"."""
    record = networks.load_record(project, container) or {}
    names = sorted(entry["cfg"]["name"] for entry in record.get("networks", {}).values())
    if not names and service is not None and service.network_mode in ("none", "host"):
        return [service.network_mode]
    return names
