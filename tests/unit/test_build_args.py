"""build_args: a service's build section as buildah's command line, and what is ignored."""

from pathlib import Path

import pytest

from composer.config.model import BuildConfig, FileReference
from composer.errors import ImageError
from composer.images.build_args import buildah_build_args, builder_network, effective_build_args, ignored_settings, image_names

COMMON = ["build", "--layers", "--force-rm", "--format", "docker", "--isolation", "oci", "--runtime", "runc"]


def argv(build: BuildConfig, args: dict[str, str] | None = None, no_cache: bool = False) -> list[str]:
    return buildah_build_args(build, "web", Path("/ctx/Dockerfile"), args or {}, "docker.io/library/p-web:latest", Path("/tmp/iid"), no_cache)


def test_minimal_build():
    assert argv(BuildConfig(context="/ctx")) == COMMON + [
        "--network", "host", "--pull=never",
        "-f", "/ctx/Dockerfile", "-t", "docker.io/library/p-web:latest", "--iidfile", "/tmp/iid",
        "/ctx",
    ]  # fmt: skip


def test_every_supported_setting():
    build = BuildConfig(
        context="/ctx",
        labels={"a": "1"},
        target="release",
        network="none",
        extra_hosts=("db=10.0.0.5", "v6=::1"),
        shm_size=67108864,
        additional_contexts={"assets": "/srv/assets"},
        no_cache=True,
    )
    tail = argv(build, {"V": "2", "EMPTY": ""})[len(COMMON):]
    assert tail == [
        "--network", "none", "--pull=never",
        "-f", "/ctx/Dockerfile", "-t", "docker.io/library/p-web:latest", "--iidfile", "/tmp/iid",
        "--build-arg", "V=2", "--build-arg", "EMPTY=",
        "--label", "a=1",
        "--target", "release",
        "--add-host", "db:10.0.0.5", "--add-host", "v6:::1",
        "--shm-size", "67108864",
        "--build-context", "assets=/srv/assets",
        "--no-cache",
        "/ctx",
    ]  # fmt: skip


def test_no_cache_from_the_command_line():
    assert "--no-cache" in argv(BuildConfig(context="/ctx"), no_cache=True)


@pytest.mark.parametrize("network, expected", [(None, "host"), ("default", "host"), ("host", "host"), ("none", "none")])
def test_networks(network, expected):
    assert builder_network(network, "web") == expected


def test_project_network_is_refused():
    with pytest.raises(ImageError) as caught:
        builder_network("backend", "web")
    assert caught.value.one_line() == "service web: build.network 'backend' is not available to builds; use host (the default) or none; builds cannot join a project network"


def test_effective_build_args():
    declared = {"A": "1", "FROM_ENV": None, "NOT_IN_ENV": None, "OVERRIDDEN": "old"}
    extra = {"OVERRIDDEN": "new", "CLI_ONLY": "x"}
    assert effective_build_args(declared, extra, {"FROM_ENV": "env"}) == {"A": "1", "FROM_ENV": "env", "OVERRIDDEN": "new", "CLI_ONLY": "x"}


def test_image_names_keep_order_and_drop_duplicates():
    assert image_names("app:1", ("app:latest", "app:1", "registry:5000/app:1")) == ["app:1", "app:latest", "registry:5000/app:1"]


def test_ignored_settings_are_named():
    build = BuildConfig(
        context="/ctx",
        cache_from=("type=registry,ref=x",),
        ssh=("default",),
        secrets=(FileReference("token"),),
        platforms=("linux/arm64",),
        privileged=True,
        isolation="hyperv",
    )
    assert [entry.split(":")[0] for entry in ignored_settings(build)] == ["cache_from/cache_to", "ssh", "secrets", "platforms", "privileged", "isolation"]
    assert ignored_settings(BuildConfig(context="/ctx")) == []
