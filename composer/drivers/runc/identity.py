"""A container's id: 64 hex digits, stable while the container lives, new when it is recreated.

runc knows a container by its name, and Docker's random ids have nothing to map to; the
id is the SHA-256 of the name and the creation time the container's record keeps, so it
needs no new state and older records get one too. `ps` shows the first 12 digits, as Docker.
"""

from __future__ import annotations

import hashlib

from composer.drivers.runc import records


def container_id(project: str, name: str) -> str:
    record = records.load_container(project, name)
    created = record.created if record else ""
    return hashlib.sha256(f"{name}\0{created}".encode()).hexdigest()
