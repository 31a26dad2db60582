"""Images on the engine: looked up, pulled and built through the Engine API, with the same
pull policies as the runc driver. `EngineImages` is the driver's `images` (the calls the
CLI makes of an image store: get, pull, remove, load, list)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from composer.config.model import Project, Service
from composer.drivers import image_policy
from composer.drivers.docker.engine import engine_errors, is_missing
from composer.errors import ImageError
from composer.plan.service import image_ref


@dataclass(frozen=True)
class EngineImage:
    ref: str
    id: str  # sha256:…
    config: dict  # the image's Config (Cmd, Entrypoint, Env, …)


class EngineImages:
    def __init__(self, api) -> None:
        self.api = api

    def get(self, ref: str) -> EngineImage | None:
        with engine_errors(f"image {ref}"):
            try:
                raw = self.api.inspect_image(ref)
            except Exception as exc:
                if is_missing(exc):
                    return None
                raise
        return EngineImage(ref, raw["Id"], raw.get("Config") or {})

    def pull(self, ref: str, policy: str = "missing") -> EngineImage:
        existing = self.get(ref)
        if policy == "never":
            if existing is None:
                raise ImageError(f"image {ref} is not on the engine and pull_policy is never")
            return existing
        if existing is not None and policy != "always":
            return existing
        repository, tag = _split(ref)
        with engine_errors(f"pull {ref}"):
            self.api.pull(repository, tag=tag)
        found = self.get(ref)
        if found is None:
            raise ImageError(f"pull {ref}: the engine reported no image")
        return found

    def remove(self, ref: str) -> None:
        with engine_errors(f"remove image {ref}"):
            self.api.remove_image(ref)

    def load(self, archive: Path) -> list[str]:
        with engine_errors(f"load {archive}"):
            with open(archive, "rb") as data:
                answers = self.api.load_image(data)
        return [line.split(":", 1)[1].strip() for answer in answers for line in [answer.get("stream", "")] if line.startswith("Loaded image")]

    def list(self) -> list[dict]:
        with engine_errors("list images"):
            return self.api.images()


def _split(ref: str) -> tuple[str, str]:
    if "@" in ref:
        return ref, None
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:
        return ref, "latest"
    return name, tag


def image_for(images: EngineImages, project: Project, service: Service, pull_override: str | None, reporter, build: bool = False) -> EngineImage:
    return image_policy.image_for(images, project, service, pull_override, reporter, build, lambda: build_image(images, project, service, reporter))


def build_image(images: EngineImages, project: Project, service: Service, reporter, options: dict | None = None) -> EngineImage:
    """The engine's build API on the service's context (the classic builder: no BuildKit session)."""
    build = service.build
    ref = image_ref(project, service)
    options = options or {}
    if "://" in build.context or build.dockerfile_inline:
        raise ImageError(f"service {service.name}: the docker driver builds from a local context directory only")
    started = time.monotonic()
    reporter.status("Image", ref, "Building")
    args = {k: v for k, v in {**build.args, **(options.get("build_args") or {})}.items() if v is not None}
    with engine_errors(f"build {ref}"):
        for chunk in images.api.build(
            path=build.context, dockerfile=build.dockerfile, tag=ref, buildargs=args, target=build.target,
            labels=dict(build.labels) or None, nocache=bool(options.get("no_cache") or build.no_cache),
            pull=bool(options.get("pull") or build.pull), rm=True, decode=True, network_mode=build.network,
        ):
            if "error" in chunk:
                raise ImageError(f"service {service.name}: build failed: {chunk['error'].strip()}")
    for tag in build.tags:
        repository, tag_name = _split(tag)
        with engine_errors(f"tag {tag}"):
            images.api.tag(ref, repository, tag_name)
    reporter.status("Image", ref, f"Built ({time.monotonic() - started:.1f}s)")
    found = images.get(ref)
    if found is None:
        raise ImageError(f"build {ref}: the engine reported no image")
    return found


def image_if_present(images: EngineImages, project: Project, service: Service, pull_override: str | None, build: bool):
    return image_policy.image_if_present(images, project, service, pull_override, build)
