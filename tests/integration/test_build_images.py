"""build_service_image with real buildah and runc, from the busybox test image in the session store.

The builder's private storage (under the session's COMPOSER_ROOT) is shared by these tests
and deleted at the end of the session, with a check that no mount is left under it.
"""

from __future__ import annotations

import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.config.model import BuildConfig
from composer.errors import ImageError
from composer.images import Image, ImageStore
from composer.images.build import BuildOptions, build_service_image, remove_build_cache
from composer.images.build_buildah import BuilderStorage

pytest_plugins = ["tests.support.images"]
pytestmark = pytest.mark.needs_root


@pytest.fixture(scope="module")
def builder(image_store: ImageStore, busybox_ref: str) -> Iterator[ImageStore]:
    """The session store, with the builder's storage removed (and checked unmounted) afterwards."""
    missing = [tool for tool in ("buildah", "skopeo", "runc") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed")
    yield image_store
    storage = BuilderStorage.open(image_store.root)
    remove_build_cache(image_store)
    assert _mounts_under(storage.home) == [] and _mounts_under(storage.runroot) == []
    assert not storage.root.exists()


class Output:
    """Collects the builder's lines through BuildOptions.progress."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def options(self, **fields: object) -> BuildOptions:
        return BuildOptions(progress=self.lines.append, **fields)  # type: ignore[arg-type]

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def printed(self, line: str) -> int:
        """How often a RUN step printed exactly `line`."""
        return self.lines.count(line)


def context_with(tmp_path: Path, dockerfile: str, **files: str) -> Path:
    context = tmp_path / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(textwrap.dedent(dockerfile))
    for name, content in files.items():
        (context / name).write_text(content)
    return context


def read_file(store: ImageStore, image: Image, path: str) -> str:
    """A file of the image's root filesystem, from the top-most layer that has it."""
    for layer in store.lowerdirs(image):
        candidate = layer / path.lstrip("/")
        if candidate.is_file():
            return candidate.read_text()
    raise AssertionError(f"{path} is not in {image.ref}")


def test_instructions_make_the_config_and_files(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(
        tmp_path,
        f"""\
        FROM {busybox_ref}
        ARG GREETING=hello
        ENV APP_MODE=production
        WORKDIR /srv/app
        COPY message.txt ./
        RUN echo "$GREETING from $APP_MODE" > greeting.txt && chown 1000 greeting.txt
        LABEL org.example.role=web
        USER 1000
        CMD ["cat", "greeting.txt"]
        HEALTHCHECK --interval=5s CMD test -f greeting.txt
        """,
        **{"message.txt": "copied in\n"},
    )
    build = BuildConfig(context=str(context), labels={"org.example.team": "core"})
    image = build_service_image(builder, "shop", "web", build, "shop/web:1")
    assert image.ref == "docker.io/shop/web:1"
    config = image.config
    assert "APP_MODE=production" in config.env and config.env[0].startswith("PATH=")
    assert (config.working_dir, config.user, config.cmd) == ("/srv/app", "1000", ("cat", "greeting.txt"))
    assert config.labels["org.example.role"] == "web" and config.labels["org.example.team"] == "core"
    assert config.healthcheck is not None and config.healthcheck.interval == 5_000_000_000
    assert read_file(builder, image, "/srv/app/message.txt") == "copied in\n"
    assert read_file(builder, image, "/srv/app/greeting.txt") == "hello from production\n"
    assert builder.resolve(busybox_ref).layers[0] == image.layers[0]  # the base layer is shared


def test_second_build_comes_from_the_cache_and_no_cache_rebuilds(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(tmp_path, f"FROM {busybox_ref}\nCOPY a.txt /a.txt\nRUN echo step-ran && cat /proc/sys/kernel/random/uuid > /stamp\n", **{"a.txt": "a\n"})
    build = BuildConfig(context=str(context))
    first, second, third = Output(), Output(), Output()
    image = build_service_image(builder, "cache", "app", build, None, first.options())
    again = build_service_image(builder, "cache", "app", build, None, second.options())
    assert first.printed("step-ran") == 1 and first.count("Using cache") == 0
    assert second.count("Using cache") == 2 and second.printed("step-ran") == 0
    assert again.id == image.id and again.ref == "docker.io/library/cache-app:latest"
    fresh = build_service_image(builder, "cache", "app", build, None, third.options(no_cache=True))
    assert third.printed("step-ran") == 1 and third.count("Using cache") == 0
    assert fresh.id != image.id
    assert read_file(builder, fresh, "/stamp") != read_file(builder, image, "/stamp")


def test_build_args_reach_from_and_run(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(
        tmp_path,
        """\
        ARG BASE=nosuch/base:1
        FROM ${BASE} AS runtime
        ARG FLAVOUR=plain
        ARG EXTRA
        RUN echo "$FLAVOUR/$EXTRA" > /flavour
        """,
    )
    build = BuildConfig(context=str(context), args={"BASE": busybox_ref, "FLAVOUR": "spicy"})
    options = BuildOptions(build_args={"EXTRA": "from-cli"})
    image = build_service_image(builder, "args", "app", build, None, options)
    assert read_file(builder, image, "/flavour") == "spicy/from-cli\n"


def test_target_builds_only_the_stages_it_needs(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(
        tmp_path,
        f"""\
        FROM {busybox_ref} AS compile
        RUN echo compiled > /artifact
        FROM nosuch/never-needed:1 AS docs
        RUN false
        FROM {busybox_ref} AS release
        COPY --from=compile /artifact /app/artifact
        RUN echo release > /stage
        FROM release AS debug
        RUN echo debug > /stage
        """,
    )
    image = build_service_image(builder, "multi", "app", BuildConfig(context=str(context), target="release"), None)
    assert read_file(builder, image, "/app/artifact") == "compiled\n"
    assert read_file(builder, image, "/stage") == "release\n"
    with pytest.raises(ImageError, match=r"^service app: build failed: .*target 'nope' is not a stage of the Dockerfile \(stages: compile, docs, release, debug\)"):
        build_service_image(builder, "multi", "app", BuildConfig(context=str(context), target="nope"), None)


def test_from_follows_the_store_when_a_base_is_rebuilt(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    def build_base(version: str) -> None:
        inline = f"FROM {busybox_ref}\nRUN echo {version} > /base-version\n"
        build_service_image(builder, "chain", "base", BuildConfig(context=str(tmp_path), dockerfile_inline=inline), "chain/base:1")

    app = BuildConfig(context=str(tmp_path), dockerfile_inline="FROM chain/base:1\nRUN cp /base-version /app-saw\n")
    build_base("one")
    assert read_file(builder, build_service_image(builder, "chain", "app", app, None), "/app-saw") == "one\n"
    build_base("two")
    assert read_file(builder, build_service_image(builder, "chain", "app", app, None), "/app-saw") == "two\n"


def test_dockerfile_inline_and_extra_tags(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    build = BuildConfig(
        context=str(tmp_path),
        dockerfile_inline=f"FROM {busybox_ref}\nRUN echo inline > /how\n",
        tags=("registry.example:5000/team/inline:2", "inline:latest"),
    )
    image = build_service_image(builder, "tags", "inline", build, "inline:1")
    assert read_file(builder, image, "/how") == "inline\n"
    for name in ("inline:1", "registry.example:5000/team/inline:2", "inline:latest"):
        assert builder.resolve(name).id == image.id


def test_network_none_leaves_only_loopback(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(tmp_path, f"FROM {busybox_ref}\nRUN tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > /links\n")
    image = build_service_image(builder, "net", "app", BuildConfig(context=str(context), network="none"), None)
    assert read_file(builder, image, "/links") == "lo\n"
    with pytest.raises(ImageError, match=r"^service app: build.network 'backend' is not available to builds$"):
        build_service_image(builder, "net", "app", BuildConfig(context=str(context), network="backend"), None)


def test_failing_run_is_one_line_naming_the_log(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(tmp_path, f"FROM {busybox_ref}\nRUN echo about-to-fail && exit 3\n")
    with pytest.raises(ImageError) as caught:
        build_service_image(builder, "broken", "web", BuildConfig(context=str(context)), None)
    message = caught.value.one_line()
    assert "\n" not in message
    assert message.startswith('service web: build failed: building at STEP "RUN echo about-to-fail && exit 3": ')
    log = Path(message.rsplit(" ", 1)[-1])
    assert message.endswith(f"the full builder output is in {log}")
    assert "about-to-fail" in log.read_text()
    storage = BuilderStorage.open(builder.root)
    containers = subprocess.run(storage.buildah("containers", "--quiet"), capture_output=True, text=True, check=True, timeout=30)
    assert containers.stdout == ""  # the failed step's build container is gone


def test_bad_dockerfile_is_one_line(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    context = context_with(tmp_path, f"FROM {busybox_ref}\nFROBNICATE now\n")
    with pytest.raises(ImageError) as caught:
        build_service_image(builder, "broken", "web", BuildConfig(context=str(context)), None)
    assert caught.value.message == 'service web: build failed: building at STEP "FROBNICATE ": Build error: Unknown instruction: "FROBNICATE"'
    assert caught.value.hint.startswith("the full builder output is in ")


def test_missing_base_image_is_one_line(builder: ImageStore, tmp_path: Path) -> None:
    # localhost:1 refuses at once: no traffic leaves the host.
    context = context_with(tmp_path, "FROM localhost:1/nosuch/base:1\nRUN true\n")
    with pytest.raises(ImageError) as caught:
        build_service_image(builder, "broken", "web", BuildConfig(context=str(context)), None)
    message = caught.value.one_line()
    assert "\n" not in message
    assert message.startswith("service web: base image localhost:1/nosuch/base:1 is not in the image store and cannot be pulled: ")
    assert message.endswith("; build or import it first (compose build of the service that makes it, compose image import or load), or make its registry reachable")


def test_pull_refreshes_bases_from_their_registry(builder: ImageStore, tmp_path: Path) -> None:
    from tests.support.images import busybox_image  # imported here: the module is this file's pytest plugin

    local_only = busybox_image(builder, "localhost:1/composer-test/busybox:1")
    context = context_with(tmp_path, f"FROM {local_only}\nRUN true\n")
    image = build_service_image(builder, "pull", "web", BuildConfig(context=str(context)), None)
    assert image.layers[0] == builder.resolve(local_only).layers[0]
    with pytest.raises(ImageError, match=r"^service web: base image localhost:1/composer-test/busybox:1 is in the image store but cannot be pulled again \(pull is set\): "):
        build_service_image(builder, "pull", "web", BuildConfig(context=str(context)), None, BuildOptions(pull=True))


def test_invalid_names_are_one_line(builder: ImageStore, busybox_ref: str, tmp_path: Path) -> None:
    build = BuildConfig(context=str(tmp_path), dockerfile_inline="FROM Not/Valid\n")
    with pytest.raises(ImageError, match=r"^service web: invalid image reference 'Web:1': "):
        build_service_image(builder, "p", "web", build, "Web:1")
    with pytest.raises(ImageError, match=r"^service web: the Dockerfile's image 'Not/Valid' is not a valid name \(invalid image reference"):
        build_service_image(builder, "p", "web", build, None)


def test_inline_dockerfile_errors_name_the_key(builder: ImageStore, tmp_path: Path) -> None:
    build = BuildConfig(context=str(tmp_path), dockerfile_inline="RUN true\n")
    with pytest.raises(ImageError) as caught:
        build_service_image(builder, "p", "web", build, None)
    assert caught.value.one_line() == "service web: build failed: build.dockerfile_inline: line 1: RUN comes before the first FROM; a Dockerfile starts with FROM (only ARG may precede it); fix the Dockerfile"


def test_missing_context_and_dockerfile(builder: ImageStore, tmp_path: Path) -> None:
    with pytest.raises(ImageError, match=r"^service web: build context .*/absent is not a directory$"):
        build_service_image(builder, "p", "web", BuildConfig(context=str(tmp_path / "absent")), None)
    with pytest.raises(ImageError, match=r"^service web: Dockerfile .*/Dockerfile.prod does not exist$"):
        build_service_image(builder, "p", "web", BuildConfig(context=str(tmp_path), dockerfile="Dockerfile.prod"), None)


def _mounts_under(base: Path) -> list[str]:
    prefix = str(base) + "/"
    with open("/proc/self/mountinfo") as handle:
        return [line.split()[4] for line in handle if line.split()[4].startswith(prefix)]
