"""The `com.docker.compose.config-hash` labels, computed as Docker Compose v2 (2.40) does.

Compose hashes Go's encoding/json form of compose-go's structs: a service without build,
pull_policy, scale, depends_on, profiles and deploy.replicas (so scaling or a rebuild does
not count as a change of configuration); a network as declared; a volume with its driver
defaulted to "local". `config --format json` prints exactly those structs (serialize.py,
checked against Compose's output by the config parity tests), so the hash is the SHA-256
of that form, compacted the Go way. Equal hashes on both sides are what lets `up` of either
tool keep the other's containers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from composer.config.model import Project
from composer.config.serialize import to_compose_dict

_NOT_HASHED = ("build", "pull_policy", "scale", "depends_on", "profiles")
_VOLUME_ORDER = ("name", "driver", "driver_opts", "external", "labels")


def go_json(value: Any) -> bytes:
    """Go's json.Marshal text: compact, UTF-8, with <, >, &, U+2028 and U+2029 escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text.encode()


def _sha256(value: Any) -> str:
    return hashlib.sha256(go_json(value)).hexdigest()


class ProjectHashes:
    """The project's hashes, from one rendering of its JSON form."""

    def __init__(self, project: Project) -> None:
        self._form = to_compose_dict(project, escape_dollars=False, json_form=True)

    def service(self, name: str) -> str:
        form = {key: value for key, value in self._form["services"][name].items() if key not in _NOT_HASHED}
        if "deploy" in form:
            form["deploy"] = {key: value for key, value in form["deploy"].items() if key != "replicas"}
        return _sha256(form)

    def network(self, key: str) -> str:
        return _sha256(self._form.get("networks", {}).get(key, {}))

    def volume(self, key: str) -> str:
        form = dict(self._form.get("volumes", {}).get(key, {}))
        form.setdefault("driver", "local")
        return _sha256({k: form[k] for k in sorted(form, key=lambda k: _VOLUME_ORDER.index(k) if k in _VOLUME_ORDER else len(_VOLUME_ORDER))})
