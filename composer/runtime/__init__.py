"""Running containers: the Runtime protocol and its runc implementation.

    spec.py         ContainerSpec (what to run) and its parts
    oci.py          ContainerSpec → config.json (pure), with oci_mounts, capabilities, seccomp
    users.py        user:/group_add: against the image's /etc/passwd and /etc/group
    rootfs.py       overlay mount/umount (idempotent)
    runc.py         the runc CLI, errors → RuntimeFailure
    runc_driver.py  RuncRuntime: create/start/stop/kill/remove/inspect/exec/list
    launch.py, supervision.py, observe.py   the runtime's side of the per-container supervisor

The supervisor itself is composer.shim (standard library only).
"""

from composer.runtime.api import ContainerState, HealthProbe, HealthState, Runtime
from composer.runtime.runc_driver import RuncRuntime
from composer.runtime.spec import ContainerSpec, Healthcheck, LogConfig, Mount, Resources, RestartPolicy, Ulimit

__all__ = [
    "ContainerSpec",
    "ContainerState",
    "HealthProbe",
    "HealthState",
    "Healthcheck",
    "LogConfig",
    "Mount",
    "Resources",
    "RestartPolicy",
    "RuncRuntime",
    "Runtime",
    "Ulimit",
]
