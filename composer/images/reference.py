"""Image references, parsed and normalized the way Docker does it.

    busybox                  → docker.io/library/busybox:latest
    index.docker.io/x/y      → docker.io/x/y:latest
    localhost:5000/app:1     → localhost:5000/app:1
    app@sha256:<64 hex>      → docker.io/library/app@sha256:<64 hex>   (no tag added)

Grammar (distribution/reference): `name[:tag][@digest]`, where name is
`[domain/]path`. The first component is a domain only if it has a '.' or ':', is
`localhost`, or has an upper-case letter; otherwise the image lives on docker.io.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from composer.errors import ImageError

DEFAULT_DOMAIN = "docker.io"
DEFAULT_TAG = "latest"
_LEGACY_DOMAINS = {"index.docker.io", "registry-1.docker.io"}
_MAX_NAME = 255

_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = re.compile(rf"^(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$")
_SHA256 = re.compile(r"^sha256:[0-9a-f]{64}$")
_IMAGE_ID = re.compile(r"^[a-f0-9]{64}$")


@dataclass(frozen=True)
class Reference:
    """A normalized reference; str() is the full form stored in the image index."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """Repository name with its registry: docker.io/library/busybox."""
        return f"{self.domain}/{self.path}"

    @property
    def key(self) -> str:
        """What the store files an image under: a digest wins over a tag, as in `docker pull`."""
        return f"{self.name}@{self.digest}" if self.digest else f"{self.name}:{self.tag}"

    def familiar(self) -> str:
        """The short form Docker prints: busybox:latest, myorg/app:1, localhost:5000/x:1."""
        path = self.path
        if self.domain == DEFAULT_DOMAIN:
            short = path.removeprefix("library/") if path.count("/") == 1 else path
        else:
            short = f"{self.domain}/{path}"
        return short + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return self.name + (f":{self.tag}" if self.tag else "") + (f"@{self.digest}" if self.digest else "")


def parse_reference(text: str) -> Reference:
    """Parse and normalize `text`; an invalid one raises a one-line ImageError."""
    if not isinstance(text, str) or not text:
        raise _invalid(text, "it is empty")
    if _IMAGE_ID.match(text):
        raise _invalid(text, "a 64-character hex string is an image ID, not a name")
    rest, digest = _split_digest(text)
    name, tag = _split_tag(text, rest)
    domain, path = _split_domain(name)
    _check_domain(text, domain)
    _check_path(text, path)
    if len(f"{domain}/{path}") > _MAX_NAME:
        raise _invalid(text, f"the repository name is longer than {_MAX_NAME} characters")
    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return Reference(domain=domain, path=path, tag=tag, digest=digest)


def _invalid(text: object, reason: str) -> ImageError:
    return ImageError(
        f"invalid image reference {text!r}: {reason}",
        "write it as [registry/]name[:tag][@sha256:digest], e.g. busybox:1.36 or localhost:5000/app:1",
    )


def _split_digest(text: str) -> tuple[str, str | None]:
    if "@" not in text:
        return text, None
    rest, digest = text.split("@", 1)
    if not _DIGEST.match(digest):
        raise _invalid(text, f"{digest!r} is not a digest (algorithm:hex)")
    if digest.startswith("sha256:") and not _SHA256.match(digest):
        raise _invalid(text, "a sha256 digest is 64 lower-case hex digits")
    return rest, digest


def _split_tag(text: str, rest: str) -> tuple[str, str | None]:
    # A ':' after the last '/' starts the tag; one before it belongs to host:port.
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon <= slash:
        return rest, None
    name, tag = rest[:colon], rest[colon + 1 :]
    if not _TAG.match(tag):
        raise _invalid(text, f"{tag!r} is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)")
    return name, tag


def _split_domain(name: str) -> tuple[str, str]:
    first, sep, remainder = name.partition("/")
    is_domain = sep and ("." in first or ":" in first or first == "localhost" or first.lower() != first)
    if not is_domain:
        domain, path = DEFAULT_DOMAIN, name
    else:
        domain, path = first, remainder
    if domain in _LEGACY_DOMAINS:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"library/{path}"
    return domain, path


def _check_domain(text: str, domain: str) -> None:
    if not _DOMAIN.match(domain):
        raise _invalid(text, f"{domain!r} is not a registry host[:port]")


def _check_path(text: str, path: str) -> None:
    for component in path.split("/"):
        if _PATH_COMPONENT.match(component):
            continue
        if component and _PATH_COMPONENT.match(component.lower()):
            raise _invalid(text, "repository names must be lower-case")
        raise _invalid(text, f"{component!r} is not a valid name component (a-z, 0-9, separated by . _ __ or -)")
