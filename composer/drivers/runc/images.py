"""A service's image in the local OCI store: built, pulled per its policy, or only looked up
(--dry-run), with the same rules and the same errors either way."""

from __future__ import annotations

import time

from composer.config.model import Project, Service
from composer.drivers import image_policy


def image_for(store, project: Project, service: Service, pull_override: str | None, reporter, build: bool = False):
    """The service's image: built (build: and asked, or missing), else pulled per its policy."""
    return image_policy.image_for(store, project, service, pull_override, reporter, build, lambda: build_image(store, project, service, reporter))


def build_image(store, project: Project, service: Service, reporter, options: dict | None = None):
    """options: BuildOptions' fields (no_cache, pull, build_args, progress, warn)."""
    from composer.images.build import BuildOptions, build_service_image  # on use: only builds need it

    started = time.monotonic()
    reporter.status("Image", service.image or service.name, "Building")
    if options is None:
        options = {"warn": lambda line: reporter.status("Service", service.name, f"Warning: {line}")}
    options = BuildOptions(**options)
    image = build_service_image(store, project.name, service.name, service.build, service.image, options)
    reporter.status("Image", image.ref, f"Built ({time.monotonic() - started:.1f}s)")
    return image


def image_if_present(store, project: Project, service: Service, pull_override: str | None, build: bool):
    """For --dry-run: see image_policy.image_if_present."""
    return image_policy.image_if_present(store, project, service, pull_override, build)
