"""Pull an image from a registry with skopeo into a staging layout, then commit it.

skopeo writes `oci:<staging>` (same filesystem as the store, so committing is only
renames); every blob is re-hashed by check_image before the store sees it. Like
Docker, no signature policy is applied, loopback registries speak plain HTTP, and
others do only when listed as insecure (argument or COMPOSER_INSECURE_REGISTRIES,
comma-separated host[:port] or CIDR).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from composer.errors import ImageError
from composer.images.reference import Reference
from composer.images.staging import check_image
from composer.images.store import Store

INSECURE_ENV = "COMPOSER_INSECURE_REGISTRIES"
_STAGED_NAME = "pulled"
_SKOPEO_MESSAGE = re.compile(r'msg="((?:[^"\\]|\\.)*)"')
# What skopeo's last words usually mean, and what the user can do about it.
_HINTS = (
    (("manifest unknown", "name unknown", "not found"), "check the image name and tag"),
    (("unauthorized", "denied", "authentication required"), "log in to the registry (credentials in ~/.docker/config.json or $REGISTRY_AUTH_FILE), or check the name"),
    (("server gave http response", "first record does not look like a tls"), f"the registry speaks plain HTTP: add it to {INSECURE_ENV}"),
    (("connection refused", "no such host", "i/o timeout", "network is unreachable"), "check that the registry is reachable from this host"),
)
_DEFAULT_HINT = "check the image name, the registry and your credentials"


def pull_image(store: Store, ref: Reference, insecure_registries: Iterable[str] = ()) -> None:
    """Fetch `ref` for this host's platform and file it in the store under ref.key."""
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        raise ImageError(f"cannot pull {ref.familiar()}: skopeo is not installed", "install it (apt-get install skopeo)")
    what = f"image {ref.familiar()} from {ref.domain}"
    with store.staging() as staging:
        command = [skopeo, "--insecure-policy", "copy", "--quiet", "--remove-signatures"]
        command += _auth_options() + _tls_options(ref.domain, insecure_registries)
        command += [f"docker://{_source(ref)}", f"oci:{staging.path}:{_STAGED_NAME}"]
        env = {**os.environ, "TMPDIR": str(staging.path)}
        result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            raise _pull_error(ref, result.stderr)
        descriptors = staging.read_index(what)
        if len(descriptors) != 1:
            raise ImageError(f"{what}: skopeo wrote {len(descriptors)} manifests, expected one", "pull again")
        checked = check_image(staging, descriptors[0], what)
        store.commit(staging, {ref.key: checked})


def is_insecure(domain: str, extra: Iterable[str] = ()) -> bool:
    """Plain HTTP allowed: loopback registries (as Docker's 127.0.0.0/8 default) and listed ones."""
    host = _host_of(domain)
    address = _ip(host)
    if host == "localhost" or (address is not None and address.is_loopback):
        return True
    listed = [*extra, *re.split(r"[,\s]+", os.environ.get(INSECURE_ENV, ""))]
    for entry in filter(None, (item.strip() for item in listed)):
        if entry in (domain, host):
            return True
        try:
            if address is not None and address in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def _source(ref: Reference) -> str:
    # containers/image refuses tag+digest together; the digest is what counts.
    return f"{ref.name}@{ref.digest}" if ref.digest else f"{ref.name}:{ref.tag}"


def _auth_options() -> list[str]:
    explicit = os.environ.get("REGISTRY_AUTH_FILE")
    if explicit:
        return ["--src-authfile", explicit]
    docker_dir = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    docker_config = docker_dir / "config.json"
    return ["--src-authfile", str(docker_config)] if docker_config.is_file() else []


def _tls_options(domain: str, extra: Iterable[str]) -> list[str]:
    return ["--src-tls-verify=false"] if is_insecure(domain, extra) else []


def _pull_error(ref: Reference, stderr: str) -> ImageError:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else "skopeo failed without a message"
    match = _SKOPEO_MESSAGE.search(last)
    message = match.group(1).replace('\\"', '"') if match else last
    lowered = message.lower()
    hint = next((h for needles, h in _HINTS if any(n in lowered for n in needles)), _DEFAULT_HINT)
    return ImageError(f"cannot pull {ref.familiar()} from registry {ref.domain}: {message}", hint)


def _host_of(domain: str) -> str:
    if domain.startswith("["):
        return domain[1:].split("]", 1)[0]
    return domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None
