"""The typed, validated project model: what every layer after config works from.

Frozen dataclasses, built only by build.py; no raw YAML past this point. Conventions:
- sequences are tuples; `dict` only for name → value tables (environment, labels, …);
- durations are **int nanoseconds** (Go's time.Duration, so Compose's strings round-trip
  exactly; `units.seconds(ns)` gives float seconds); byte sizes are **int bytes**;
- `None` means "not set" (use the image's or runtime's default); for `command` and
  `entrypoint`, `()` means "explicitly cleared" (`command: []` or `''`);
- paths (build context, bind sources, env/secret files) are absolute;
- names of networks/volumes/secrets/configs in services are the project *keys*; the
  real (engine) name is `Project.networks[key].name`.

The classes live in model_*.py by part (service parts, build/deploy, service, project);
import them from here.
"""

from __future__ import annotations

from composer.config.model_build_deploy import (  # noqa: F401
    BuildConfig, Deploy, Develop, ExecHook, ResourceLimits, ResourceReservations, Resources, RestartPolicy, WatchRule,
)
from composer.config.model_project import Ambassador, Endpoint, Ipam, IpamPool, Network, Project, ProjectFile, Volume  # noqa: F401
from composer.config.model_service import Service  # noqa: F401
from composer.config.model_service_parts import (  # noqa: F401
    BindOptions, Dependency, EnvFile, FileReference, Healthcheck, Logging, Mount, PortMapping, Readiness,
    ServiceNetwork, TmpfsOptions, Ulimit, VolumeOptions,
)
from composer.config.model_units import Bytes, Nanoseconds, Opaque  # noqa: F401
