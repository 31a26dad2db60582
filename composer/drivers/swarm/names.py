"""Names and labels of a stack's objects, as `docker stack deploy` makes them, so that
`docker stack ps/services <project>` lists what composer deployed."""

from __future__ import annotations

import hashlib

NAMESPACE = "com.docker.stack.namespace"  # docker stack's own label on every object
STACK_IMAGE = "com.docker.stack.image"
SPEC_HASH = "com.composer.swarm.spec-hash"  # the desired spec's hash: equal → nothing to do
PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"


def service_name(project: str, service: str) -> str:
    return f"{project}_{service}"


def content_name(project: str, key: str, content: bytes) -> str:
    """Secrets and configs are immutable in Swarm: a name per content, so a change makes a
    new object and the services that use it roll onto it."""
    return f"{project}_{key}_{hashlib.sha256(content).hexdigest()[:12]}"


def stack_labels(project: str) -> dict[str, str]:
    return {NAMESPACE: project}


def namespace_filter(project: str) -> dict[str, list[str]]:
    return {"label": [f"{NAMESPACE}={project}"]}
