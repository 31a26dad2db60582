"""`compose push`: copy an image from the local OCI store to its registry with skopeo.

skopeo reads the store's layout directly (`oci:<store>:<name>`), under the store's lock so
a prune cannot take blobs away mid-push. Credentials and plain HTTP follow the pull's rules
(DOCKER_CONFIG's config.json or REGISTRY_AUTH_FILE; loopback and listed registries insecure).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from composer.errors import ImageError
from composer.images.pull import is_insecure
from composer.images.reference import parse_reference


def push_image(images, tag: str) -> None:
    ref = parse_reference(tag)
    if images.store.lookup(ref) is None:
        raise ImageError(f"An image does not exist locally with the tag: {ref.familiar()}", "build, pull or tag it first")
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        raise ImageError(f"cannot push {ref.familiar()}: skopeo is not installed", "install it (apt-get install skopeo)")
    command = [skopeo, "--insecure-policy", "copy", "--quiet", *_auth(), *(["--dest-tls-verify=false"] if is_insecure(ref.domain) else [])]
    command += [f"oci:{images.store.path}:{ref.key}", f"docker://{ref.key}"]
    with images.store.locked():
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise ImageError(f"cannot push {ref.familiar()} to registry {ref.domain}: {lines[-1] if lines else 'skopeo failed'}",
                         "check that the registry is reachable and that you are logged in to it")


def _auth() -> list[str]:
    explicit = os.environ.get("REGISTRY_AUTH_FILE")
    if explicit:
        return ["--dest-authfile", explicit]
    config = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"
    return ["--dest-authfile", str(config)] if config.is_file() else []
