"""`compose commit`: a container's writable layer becomes a new image on top of its image.

The overlay upper dir is the change set. It is written as an OCI layer tar with overlayfs'
markers turned into the image format's: a 0/0 character device (a deleted file) becomes
`.wh.NAME`, an opaque directory gets `.wh..wh..opq`. composer's own /etc/hosts,
resolv.conf and hostname links and their mount point are left out, as Docker leaves out
its bind-mounted ones. The parent's layers are linked into the staging area (same
filesystem), so the store checks and files the image as it does a pull.
"""

from __future__ import annotations

import json
import os
import stat
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from composer.drivers.runc import records
from composer.drivers.runc.commit_config import committed_config
from composer.drivers.runc.hostsfiles import MOUNT_POINT
from composer.errors import ComposerError
from composer.images import oci
from composer.images.reference import parse_reference
from composer.images.staging import check_image
from composer.runtime.layout import ContainerPaths

OWN_LINKS = ("etc/hosts", "etc/resolv.conf", "etc/hostname")
OPAQUE = ("trusted.overlay.opaque", "user.overlay.opaque")


def commit(driver, project: str, name: str, target: str, author: str = "", message: str = "", pause: bool = True, service=None) -> str:
    """File the container's changes as image `target`; returns its ID (the config digest).
    service (the container's compose service): its run settings go into the image, as Docker's."""
    record = records.load_container(project, name)
    parent = driver.images.get(record.image) if record else None
    if parent is None:
        raise ComposerError(f"container {name}: its image {record.image if record else '?'} is no longer in the store", "pull it again")
    ref = parse_reference(target)
    store = driver.images.store
    paused = pause and driver.runtime.inspect(name).status == "running"
    if paused:  # a consistent change set, as Docker's default --pause
        driver.runtime.pause(name)
    try:
        with store.staging() as staging:
            with open(staging.path / "layer.tar", "w+b") as layer:
                write_layer(ContainerPaths.for_name(name).upper, layer)
                layer.seek(0)
                digest, size = staging.add_stream(layer, f"commit of {name}")
            new_layer = oci.Descriptor(oci.OCI_LAYER, digest, size)
            settings = committed_config(_parent_config(store, parent).get("config") or {}, service, record.command)
            checked = _stage(store, staging, parent, new_layer, _history(record, author, message), author, settings, f"commit of {name}")
            store.commit(staging, {ref.key: checked})
    finally:
        if paused:
            driver.runtime.resume(name)
    return driver.images.get(ref.key).id


def _parent_config(store, parent) -> dict:
    return json.loads(store.blob_path(parent.id).read_bytes())


def _stage(store, staging, parent, layer: oci.Descriptor, history: dict, author: str, settings: dict, what: str):
    manifest = json.loads(store.blob_path(parent.digest).read_bytes())
    config = _parent_config(store, parent)
    config["config"] = settings
    for blob in manifest.get("layers") or []:
        if not staging.blob_path(blob["digest"]).exists():
            os.link(store.blob_path(blob["digest"]), staging.blob_path(blob["digest"]))
    config["created"] = history["created"]
    if author:
        config["author"] = author
    config["rootfs"] = {"type": "layers", "diff_ids": [*config["rootfs"]["diff_ids"], layer.digest]}
    config["history"] = [*(config.get("history") or []), history]
    config_blob = staging.add_bytes(oci.canonical_json(config))
    document = {
        "schemaVersion": 2,
        "mediaType": oci.OCI_MANIFEST,
        "config": {"mediaType": oci.OCI_CONFIG, "digest": config_blob.digest, "size": config_blob.size},
        "layers": [*(manifest.get("layers") or []), layer.to_json()],
    }
    manifest_blob = staging.add_bytes(oci.canonical_json(document))
    return check_image(staging, oci.Descriptor(oci.OCI_MANIFEST, manifest_blob.digest, manifest_blob.size), what)


def _history(record, author: str, message: str) -> dict:
    entry = {"created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "created_by": " ".join(record.command)}
    if author:
        entry["author"] = author
    if message:
        entry["comment"] = message
    return entry


def write_layer(upper: Path, out) -> None:
    """The upper dir as a layer tar (whiteouts and opaque dirs in the image format)."""
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for directory, dirs, files in os.walk(upper):
            relative = os.path.relpath(directory, upper)
            kept = []
            for entry in sorted(dirs + files):
                path = os.path.join(directory, entry)
                arcname = os.path.normpath(os.path.join(relative, entry))
                if _composers_own(arcname, path):
                    continue
                info = os.lstat(path)
                if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
                    tar.addfile(tarfile.TarInfo(os.path.join(os.path.dirname(arcname), f".wh.{entry}")))
                    continue
                tar.add(path, arcname=arcname, recursive=False)
                if stat.S_ISDIR(info.st_mode):
                    kept.append(entry)
                    if _opaque(path):
                        tar.addfile(tarfile.TarInfo(f"{arcname}/.wh..wh..opq"))
            dirs[:] = [d for d in dirs if d in kept]


def _composers_own(arcname: str, path: str) -> bool:
    if arcname == MOUNT_POINT.lstrip("/"):
        return True
    return arcname in OWN_LINKS and os.path.islink(path) and os.readlink(path).startswith(MOUNT_POINT + "/")


def _opaque(path: str) -> bool:
    for attribute in OPAQUE:
        try:
            if os.getxattr(path, attribute, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False
