"""ImageConfig from OCI and Docker image config JSON."""

from __future__ import annotations

import pytest

from composer.errors import ImageError
from composer.images.config import ImageConfig, ImageHealthcheck, parse_image_config

SECOND = 1_000_000_000

DOCKER_CONFIG = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "User": "app:app",
        "Env": ["PATH=/usr/bin:/bin", "LANG=C.UTF-8", "EMPTY=", "PATH=/opt/bin"],
        "Entrypoint": ["/entry.sh"],
        "Cmd": ["serve", "--port", "80"],
        "WorkingDir": "/srv",
        "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
        "Volumes": {"/data": {}, "/cache": {}},
        "Labels": {"org.example.v": "1"},
        "StopSignal": "SIGQUIT",
        "Healthcheck": {
            "Test": ["CMD-SHELL", "wget -q -O- localhost || exit 1"],
            "Interval": 30 * SECOND,
            "Timeout": 5 * SECOND,
            "StartPeriod": 10 * SECOND,
            "Retries": 3,
        },
    },
    "container_config": {"Cmd": ["ignored"]},
    "rootfs": {"type": "layers", "diff_ids": []},
}


def test_docker_config_fields() -> None:
    config = parse_image_config(DOCKER_CONFIG, "example:1")
    assert config.user == "app:app"
    assert config.entrypoint == ("/entry.sh",)
    assert config.cmd == ("serve", "--port", "80")
    assert config.working_dir == "/srv"
    assert config.exposed_ports == ("53/udp", "80/tcp")
    assert config.volumes == ("/cache", "/data")
    assert config.labels == {"org.example.v": "1"}
    assert config.stop_signal == "SIGQUIT"
    assert config.healthcheck == ImageHealthcheck(
        test=("CMD-SHELL", "wget -q -O- localhost || exit 1"), interval=30 * SECOND, timeout=5 * SECOND, start_period=10 * SECOND, retries=3
    )
    assert (config.os, config.architecture) == ("linux", "amd64")


def test_env_keeps_order_and_later_duplicate_wins_in_dict() -> None:
    config = parse_image_config(DOCKER_CONFIG, "example:1")
    assert config.env[0] == "PATH=/usr/bin:/bin"
    assert config.env_dict() == {"PATH": "/opt/bin", "LANG": "C.UTF-8", "EMPTY": ""}


def test_minimal_oci_config_has_unset_fields() -> None:
    config = parse_image_config({"architecture": "arm64", "os": "linux", "rootfs": {"diff_ids": []}}, "x")
    assert config == ImageConfig(architecture="arm64")
    assert config.cmd is None and config.entrypoint is None and config.healthcheck is None


def test_empty_cmd_list_is_kept_apart_from_unset() -> None:
    config = parse_image_config({"config": {"Cmd": [], "Entrypoint": None}}, "x")
    assert config.cmd == ()
    assert config.entrypoint is None


def test_string_entrypoint_is_one_argument() -> None:
    assert parse_image_config({"config": {"Entrypoint": "/bin/sh"}}, "x").entrypoint == ("/bin/sh",)


@pytest.mark.parametrize("document", [[], "text", {"config": ["not", "an", "object"]}, {"config": {"Labels": ["x"]}}])
def test_malformed_config_names_the_image(document: object) -> None:
    with pytest.raises(ImageError) as caught:
        parse_image_config(document, "docker.io/library/broken:1")
    assert "docker.io/library/broken:1" in caught.value.one_line()
