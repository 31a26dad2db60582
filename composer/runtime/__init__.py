"""Running containers: the Runtime protocol and its runc implementation.

    spec.py         ContainerSpec (what to run) and its parts
    oci.py          ContainerSpec → config.json (pure), with oci_mounts, capabilities, seccomp
    users.py        user:/group_add: against the image's /etc/passwd and /etc/group
    rootfs.py       overlay mount/umount (idempotent)
    runc.py         the runc CLI, errors → RuntimeFailure
    runc_driver.py  RuncRuntime: create/start/stop/kill/remove/inspect/exec/list
    launch.py, supervision.py, observe.py   the runtime's side of the per-container supervisor

The supervisor itself is composer.shim (standard library only).

Names are imported on first use (PEP 562), so importing one submodule (observe, layout)
does not pull in the whole runtime: the no-op `up -d` path counts its milliseconds.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "ContainerState": "api", "HealthProbe": "api", "HealthState": "api", "Runtime": "api",
    "RuncRuntime": "runc_driver",
    "ContainerSpec": "spec", "Healthcheck": "spec", "LogConfig": "spec", "Mount": "spec",
    "Readiness": "spec", "Resources": "spec", "RestartPolicy": "spec", "Ulimit": "spec",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'composer.runtime' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"composer.runtime.{_HOMES[name]}"), name)
    globals()[name] = value
    return value
