"""Which registries may speak plain HTTP, and how skopeo failures are told."""

from __future__ import annotations

import pytest

from composer.images.pull import _pull_error, is_insecure
from composer.images.reference import parse_reference


@pytest.mark.parametrize("domain", ["127.0.0.1:5000", "127.3.2.1", "localhost", "localhost:5000", "[::1]:5000"])
def test_loopback_registries_are_insecure_by_default(domain: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSER_INSECURE_REGISTRIES", raising=False)
    assert is_insecure(domain)


@pytest.mark.parametrize("domain", ["docker.io", "ghcr.io", "10.0.0.5:5000", "registry.local:5000"])
def test_other_registries_need_tls(domain: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSER_INSECURE_REGISTRIES", raising=False)
    assert not is_insecure(domain)


def test_listed_registries_by_host_port_host_or_cidr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPOSER_INSECURE_REGISTRIES", "registry.local:5000, 10.1.0.0/16")
    assert is_insecure("registry.local:5000")
    assert not is_insecure("registry.local:6000")
    assert is_insecure("10.1.2.3:5000")
    assert not is_insecure("10.2.0.1:5000")
    assert is_insecure("other.example", ["other.example"])


def test_skopeo_message_becomes_one_line_naming_image_and_registry() -> None:
    stderr = (
        'time="2024-01-01T00:00:00Z" level=warning msg="something earlier"\n'
        'time="2024-01-01T00:00:00Z" level=fatal msg="initializing source docker://127.0.0.1:5000/nope:1: '
        'reading manifest 1 in 127.0.0.1:5000/nope: manifest unknown: manifest unknown"\n'
    )
    error = _pull_error(parse_reference("127.0.0.1:5000/nope:1"), stderr)
    line = error.one_line()
    assert line.startswith("cannot pull 127.0.0.1:5000/nope:1 from registry 127.0.0.1:5000: initializing source")
    assert "manifest unknown" in line
    assert "check the image name and tag" in line
    assert "\n" not in line and "time=" not in line


def test_auth_failure_hints_at_login() -> None:
    stderr = 'level=fatal msg="initializing source docker://ghcr.io/x/y:1: requested access to the resource is denied"'
    assert "log in" in _pull_error(parse_reference("ghcr.io/x/y:1"), stderr).hint
