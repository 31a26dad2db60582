"""Images for the stack: a service with `build:` is built on the manager's engine, pushed to
the registry every node pulls from (`--registry` or the project's `x-registry`), and
deployed pinned by digest, so every node runs the very same image and a rebuild that
changes nothing changes no spec. Other services' images are deployed as written."""

from __future__ import annotations

import os

from composer.config.model import Project, Service
from composer.drivers.swarm.client import api_errors
from composer.errors import ComposerError


def registry_of(project: Project, chosen: str | None) -> str | None:
    """--registry, else $COMPOSER_REGISTRY, else the compose file's top-level x-registry."""
    found = chosen or os.environ.get("COMPOSER_REGISTRY") or project.extensions.get("x-registry")
    return str(found).rstrip("/") if found else None


def image_refs(client, project: Project, names: list[str], registry: str | None, rebuild: bool, report) -> dict[str, str]:
    """Service → the image reference its spec names."""
    refs = {}
    for name in names:
        service = project.services[name]
        if service.build is None:
            refs[name] = service.image or ""
            continue
        if registry is None:
            raise ComposerError(f"service {name} has build: the swarm's nodes pull it from a registry",
                                "name one with --registry HOST:PORT or a top-level x-registry: key")
        refs[name] = _built_and_pushed(client, project, service, registry, rebuild, report)
    return refs


def _built_and_pushed(client, project: Project, service: Service, registry: str, rebuild: bool, report) -> str:
    repository = f"{registry}/{(service.image or f'{project.name}_{service.name}').split(':')[0]}"
    tag = (service.image or "").rpartition(":")[2] if service.image and ":" in service.image.split("/")[-1] else "latest"
    local = _local(client, f"{repository}:{tag}")
    if local is None or rebuild:
        _build(client, service, f"{repository}:{tag}")
        report("Image", f"{repository}:{tag}", "Built")
        local = _local(client, f"{repository}:{tag}")
    pinned = [d for d in (local or {}).get("RepoDigests", []) if d.startswith(repository + "@")]
    if not pinned:
        digest = _push(client, repository, tag)
        report("Image", f"{repository}:{tag}", "Pushed")
        return f"{repository}@{digest}"
    return pinned[0]


def _local(client, ref: str) -> dict | None:
    import docker

    try:
        return client.api.inspect_image(ref)
    except docker.errors.ImageNotFound:
        return None


def _build(client, service: Service, tag: str) -> None:
    build = service.build
    if build.dockerfile_inline is not None:
        raise ComposerError(f"service {service.name}: build.dockerfile_inline is not supported by the swarm driver", "write a Dockerfile")
    with api_errors(f"build {service.name}"):
        stream = client.api.build(
            path=build.context, dockerfile=build.dockerfile, tag=tag, rm=True, decode=True,
            buildargs={k: v for k, v in build.args.items() if v is not None} or None,
            target=build.target, labels=build.labels or None, nocache=build.no_cache, pull=build.pull,
        )
        for chunk in stream:
            if "error" in chunk:
                raise ComposerError(f"build {service.name}: {' '.join(str(chunk['error']).split())[:300]}")


def _push(client, repository: str, tag: str) -> str:
    digest = None
    with api_errors(f"push {repository}:{tag}"):
        for chunk in client.api.push(repository, tag=tag, stream=True, decode=True):
            if "error" in chunk:
                raise ComposerError(f"push {repository}:{tag}: {' '.join(str(chunk['error']).split())[:300]}")
            digest = (chunk.get("aux") or {}).get("Digest", digest)
    if not digest:
        raise ComposerError(f"push {repository}:{tag}: the registry returned no digest")
    return digest
