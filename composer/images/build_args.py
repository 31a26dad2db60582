"""A service's `build:` section as buildah's command line: pure, so it is tested without buildah.

    buildah build --layers --format docker --isolation oci --runtime runc --network host
                  --pull=never -f DOCKERFILE -t NAME --iidfile FILE [--build-arg K=V …] CONTEXT

Why these flags:
- --layers keeps every step as a cached image, so an unchanged context rebuilds from cache.
- --format docker keeps HEALTHCHECK, SHELL, ONBUILD and STOPSIGNAL, which OCI configs drop.
- --isolation oci runs RUN steps in runc with their own namespaces: it is the only
  isolation that can honour --network none (chroot shares the host's network), and as
  root it needs nothing besides runc.
- --pull=never: composer has already handed every base image over from its own store.
- --force-rm removes the build container of a failed step too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from composer.config.model import BuildConfig
from composer.errors import ImageError
from composer.images.staging import host_platform

# build.network values Docker accepts for builds, as the builder's --network.
_NETWORKS = {None: "host", "default": "host", "host": "host", "none": "none"}


def effective_build_args(declared: Mapping[str, str | None], extra: Mapping[str, str], environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """build.args with `--build-arg` values over them; an arg named without a value takes
    its value from the environment, or is left out when the environment has none."""
    args: dict[str, str] = {}
    for name, value in {**declared, **extra}.items():
        if value is None:
            value = environ.get(name)
        if value is not None:
            args[name] = value
    return args


def builder_network(network: str | None, service: str) -> str:
    if network in _NETWORKS:
        return _NETWORKS[network]
    raise ImageError(
        f"service {service}: build.network {network!r} is not available to builds",
        "use host (the default) or none; builds cannot join a project network",
    )


def image_names(primary: str, tags: tuple[str, ...]) -> list[str]:
    """The names the built image gets: `primary` first, then build.tags, duplicates dropped."""
    names = [primary]
    for tag in tags:
        if tag not in names:
            names.append(tag)
    return names


def buildah_build_args(
    build: BuildConfig,
    service: str,
    dockerfile: Path,
    build_args: Mapping[str, str],
    name: str,
    iidfile: Path,
    no_cache: bool,
) -> list[str]:
    """Arguments after `buildah`, for building `build` as image `name`."""
    args = ["build", "--layers", "--force-rm", "--format", "docker", "--isolation", "oci", "--runtime", "runc"]
    args += ["--network", builder_network(build.network, service), "--pull=never"]
    args += ["-f", str(dockerfile), "-t", name, "--iidfile", str(iidfile)]
    for key, value in build_args.items():
        args += ["--build-arg", f"{key}={value}"]
    for key, value in build.labels.items():
        args += ["--label", f"{key}={value}"]
    if build.target:
        args += ["--target", build.target]
    for entry in build.extra_hosts:  # the model writes host=ip; the builder wants host:ip
        host, _, address = entry.partition("=")
        args += ["--add-host", f"{host}:{address}"]
    if build.shm_size:
        args += ["--shm-size", str(build.shm_size)]
    for key, value in build.additional_contexts.items():
        args += ["--build-context", f"{key}={value}"]
    if no_cache or build.no_cache:
        args.append("--no-cache")
    return args + [build.context]


def ignored_settings(build: BuildConfig) -> list[str]:
    """build keys composer cannot honour, each as "key: why" for a warning."""
    ignored = []
    if build.cache_from or build.cache_to:
        ignored.append("cache_from/cache_to: the build cache is local, under the data root")
    if build.ssh:
        ignored.append("ssh: SSH agent forwarding into builds is not supported")
    if build.secrets:
        ignored.append("secrets: build secrets are not supported")
    host = "/".join(host_platform())
    if any(platform != host for platform in build.platforms):
        ignored.append(f"platforms: only this host's platform ({host}) is built")
    if build.privileged:
        ignored.append("privileged: RUN steps get the default capabilities")
    if build.isolation:
        ignored.append("isolation: builds always run with runc isolation")
    return ignored
