"""A service's image per its pull policy, for any driver's image store (one with get(ref)
and pull(ref, policy) raising ImageError): built (build: and asked, or missing), else
pulled or found; and what that would do, doing nothing (--dry-run)."""

from __future__ import annotations

from collections.abc import Callable

from composer.config.model import Project, Service
from composer.errors import ImageError
from composer.plan.service import image_ref


def image_for(store, project: Project, service: Service, pull_override: str | None, reporter, build: bool, builder: Callable[[], object]):
    """builder() builds the service's image (the driver's own way) and returns it."""
    ref = image_ref(project, service)
    policy = pull_override or service.pull_policy or "missing"
    if service.build is not None and (build or policy == "build" or store.get(ref) is None):
        return builder()
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


def image_if_present(store, project: Project, service: Service, pull_override: str | None, build: bool):
    """(image in the store or None, its ref, what a real run would do first: "build", "pull"
    or ""). Raises what image_for would for policy never and no image."""
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
