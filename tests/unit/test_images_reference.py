"""Image reference parsing and normalization, as Docker does it."""

from __future__ import annotations

import pytest

from composer.errors import ImageError
from composer.images.reference import parse_reference

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "normalized", "key"),
    [
        ("busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ("library/busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox:latest"),
        ("docker.io/busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox:latest"),
        ("index.docker.io/library/busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox:latest"),
        ("myorg/app", "docker.io/myorg/app:latest", "docker.io/myorg/app:latest"),
        ("composer-test/busybox:1", "docker.io/composer-test/busybox:1", "docker.io/composer-test/busybox:1"),
        ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
        ("localhost:5000/app:v1", "localhost:5000/app:v1", "localhost:5000/app:v1"),
        ("127.0.0.1:5000/a/b/c:tag_1.0-x", "127.0.0.1:5000/a/b/c:tag_1.0-x", "127.0.0.1:5000/a/b/c:tag_1.0-x"),
        ("ghcr.io/owner/repo", "ghcr.io/owner/repo:latest", "ghcr.io/owner/repo:latest"),
        ("Registry/app", "Registry/app:latest", "Registry/app:latest"),  # upper case makes it a host
        ("[::1]:5000/app", "[::1]:5000/app:latest", "[::1]:5000/app:latest"),
        ("a__b/c-d.e---f", "docker.io/a__b/c-d.e---f:latest", "docker.io/a__b/c-d.e---f:latest"),
        (f"busybox@{DIGEST}", f"docker.io/library/busybox@{DIGEST}", f"docker.io/library/busybox@{DIGEST}"),
        (f"busybox:1@{DIGEST}", f"docker.io/library/busybox:1@{DIGEST}", f"docker.io/library/busybox@{DIGEST}"),
        (f"localhost:5000/app@{DIGEST}", f"localhost:5000/app@{DIGEST}", f"localhost:5000/app@{DIGEST}"),
    ],
)
def test_normalizes_like_docker(text: str, normalized: str, key: str) -> None:
    ref = parse_reference(text)
    assert str(ref) == normalized
    assert ref.key == key


def test_parts_and_familiar_form() -> None:
    ref = parse_reference("busybox")
    assert (ref.domain, ref.path, ref.tag, ref.digest) == ("docker.io", "library/busybox", "latest", None)
    assert ref.name == "docker.io/library/busybox"
    assert ref.familiar() == "busybox:latest"
    assert parse_reference("myorg/app:2").familiar() == "myorg/app:2"
    assert parse_reference("localhost:5000/app").familiar() == "localhost:5000/app:latest"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("BusyBox", "lower-case"),
        ("busybox:", "not a valid tag"),
        ("busybox:-x", "not a valid tag"),
        ("busybox:" + "a" * 129, "not a valid tag"),
        ("-busybox", "not a valid name component"),
        ("busy//box", "not a valid name component"),
        ("busybox/", "not a valid name component"),
        ("busybox@sha256:abc", "is not a digest"),
        ("busybox@sha256:" + "AB" * 32, "64 lower-case hex"),
        ("busybox@sha256:" + "ab" * 20, "64 lower-case hex"),
        ("busybox@notadigest", "is not a digest"),
        ("my_host:5000/app", "not a registry host"),
        ("ab" * 32, "image ID"),
        ("a/" + "b" * 260, "longer than 255"),
        ("busy box", "not a valid"),
    ],
)
def test_invalid_references_give_one_line(text: str, reason: str) -> None:
    with pytest.raises(ImageError) as caught:
        parse_reference(text)
    line = caught.value.one_line()
    assert reason in line
    assert repr(text) in line
    assert "\n" not in line
