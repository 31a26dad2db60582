"""A service's image in the local OCI store: built, pulled per its policy, or only looked up
(--dry-run), with the same rules and the same errors either way."""

from __future__ import annotations

import time

from composer.config.model import Project, Service
from composer.errors import ImageError
from composer.plan.service import image_ref


def image_for(store, project: Project, service: Service, pull_override: str | None, reporter, build: bool = False):
    """The service's image: built (build: and asked, or missing), else pulled per its policy."""
    ref = image_ref(project, service)
    policy = pull_override or service.pull_policy or "missing"
    if service.build is not None and (build or policy == "build" or store.get(ref) is None):
        return build_image(store, project, service, reporter)
    if policy in ("if_not_present", "missing", "build") or policy.startswith(("daily", "weekly")):
        policy = "missing"
    existed = store.get(ref) is not None
    try:
        image = store.pull(ref, policy=policy)
    except ImageError as exc:
        raise ImageError(f"service {service.name}: {exc.message}", exc.hint) from None
    if not existed or policy == "always":
        reporter.status("Image", ref, "Pulled")
    return image


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
    """For --dry-run: (image in the store or None, its ref, what a real run would do first:
    "build", "pull" or ""). Raises what image_for would for policy never and no image."""
    ref = image_ref(project, service)
    policy = pull_override or service.pull_policy or "missing"
    existing = store.get(ref)
    if service.build is not None and (build or policy == "build" or existing is None):
        return existing, ref, "build"
    if policy == "never" and existing is None:
        try:
            store.pull(ref, policy="never")  # only looks: raises up's own error
        except ImageError as exc:
            raise ImageError(f"service {service.name}: {exc.message}", exc.hint) from None
    return existing, ref, ("pull" if existing is None or policy == "always" else "")
