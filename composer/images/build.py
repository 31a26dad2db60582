"""`compose build`: a service's image, built by buildah without a daemon, filed in composer's store.

    image = build_service_image(ImageStore(), "shop", "web", service.build, service.image,
                                BuildOptions(progress=print))

1. Read the Dockerfile for the images it needs (FROM, COPY --from) for the chosen target.
2. Take each from composer's store, pulling it into the store only when it is missing
   (always, with pull), and hand it to buildah's private storage. So a FROM naming an
   image in composer's store builds from that image, and buildah itself never pulls.
3. `buildah build` with its layer cache under <data_root>/buildah (see build_buildah.py);
   the full output goes to a log file, each line to `options.progress`.
4. Export the result as a docker-archive named image_ref (default `<project>-<service>`)
   plus build.tags, and load it into the store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from composer.config.model import BuildConfig
from composer.errors import ImageError
from composer.images import Image, ImageStore, oci
from composer.images.build_args import buildah_build_args, effective_build_args, ignored_settings, image_names
from composer.images.build_buildah import BuilderStorage, copy_into_storage, export_archive, remove_storage, run_build
from composer.images.build_dockerfile import DockerfileError, parse_dockerfile
from composer.images.reference import parse_reference

_BASE_HINT = "build or import it first (compose build of the service that makes it, compose image import or load), or make its registry reachable"


@dataclass(frozen=True)
class BuildOptions:
    no_cache: bool = False  # `compose build --no-cache`, on top of build.no_cache
    pull: bool = False  # `compose build --pull`: refresh every base image from its registry
    build_args: Mapping[str, str] = field(default_factory=dict)  # `--build-arg`, over build.args
    progress: Callable[[str], None] | None = None  # each line the builder prints; None = quiet
    warn: Callable[[str], None] | None = None  # build settings that are ignored, one line each


def default_image_name(project_name: str, service_name: str) -> str:
    """Compose's name for the image of a service that has build but no image."""
    return f"{project_name}-{service_name}".lower()


def build_service_image(
    store: ImageStore,
    project_name: str,
    service_name: str,
    build: BuildConfig,
    image_ref: str | None,
    options: BuildOptions = BuildOptions(),
) -> Image:
    """Build `build` for service `service_name`; the image lands in `store` as `image_ref`."""
    what = f"service {service_name}"
    names = _image_names(image_ref or default_image_name(project_name, service_name), build.tags, what)
    if options.warn is not None:
        for setting in ignored_settings(build):
            options.warn(f"{what}: build.{setting}; ignored")
    context = _context_directory(build, what)
    build_args = effective_build_args(build.args, options.build_args)
    storage = BuilderStorage.open(store.root)
    with tempfile.TemporaryDirectory(prefix=f"{service_name}-", dir=storage.tmp) as scratch:
        workdir = Path(scratch)
        dockerfile = _dockerfile(build, context, workdir, what)
        iidfile = workdir / "image-id"
        args = buildah_build_args(build, service_name, dockerfile, build_args, names[0], iidfile, options.no_cache)
        policy = "always" if options.pull or build.pull else "missing"
        shown = "build.dockerfile_inline" if build.dockerfile_inline is not None else str(dockerfile)
        for base in _needed_images(dockerfile, shown, build_args, build.target, what):
            _provide_base(store, storage, base, policy, what)
        log_path = storage.log_path(project_name, service_name)
        outcome = run_build(storage, args, log_path, options.progress)
        if outcome.returncode != 0 or not iidfile.is_file():
            raise ImageError(f"{what}: build failed: {outcome.last_error}", f"the full builder output is in {log_path}")
        archive = workdir / "image.tar"
        export_archive(storage, iidfile.read_text().strip(), names, archive)
        store.load(archive)
    return store.resolve(names[0])


def remove_build_cache(store: ImageStore) -> None:
    """Delete the builder's private storage (its layer cache); images in `store` stay."""
    remove_storage(BuilderStorage.open(store.root))


def _image_names(primary: str, tags: tuple[str, ...], what: str) -> list[str]:
    """Full references for the image name and build.tags."""
    try:
        return [str(parse_reference(name)) for name in image_names(primary, tags)]
    except ImageError as exc:
        raise ImageError(f"{what}: {exc.message}", exc.hint) from None


def _context_directory(build: BuildConfig, what: str) -> Path:
    if "://" in build.context or build.context.startswith("git@"):
        raise ImageError(f"{what}: build context {build.context} is a URL; composer builds from local directories only", "clone it and point build.context at the directory")
    context = Path(build.context)
    if not context.is_dir():
        raise ImageError(f"{what}: build context {context} is not a directory", "fix build.context (relative paths start at the compose file's directory)")
    return context


def _dockerfile(build: BuildConfig, context: Path, workdir: Path, what: str) -> Path:
    """The Dockerfile to build: build.dockerfile under the context, or dockerfile_inline written out."""
    if build.dockerfile_inline is not None:
        path = workdir / "Dockerfile"
        path.write_text(build.dockerfile_inline, encoding="utf-8")
        return path
    path = context / (build.dockerfile or "Dockerfile")  # an absolute build.dockerfile stays as it is
    if not path.is_file():
        raise ImageError(f"{what}: Dockerfile {path} does not exist", "add it, or set build.dockerfile (relative to the build context) or build.dockerfile_inline")
    return path


def _needed_images(dockerfile: Path, shown: str, build_args: Mapping[str, str], target: str | None, what: str) -> list[str]:
    """The images (not stages) that building `target` of `dockerfile` (named `shown` in errors) uses."""
    try:
        return parse_dockerfile(dockerfile.read_text(encoding="utf-8", errors="replace"), build_args).external_images(target)
    except DockerfileError as exc:
        raise ImageError(f"{what}: build failed: {shown}: {exc}", "fix the Dockerfile") from None
    except OSError as exc:
        raise ImageError(f"{what}: cannot read {dockerfile} ({exc.strerror})", "check the file's permissions") from None


def _provide_base(store: ImageStore, storage: BuilderStorage, base: str, policy: str, what: str) -> None:
    """Put base image `base` into the store if it must be, then hand it to the builder."""
    try:
        reference = parse_reference(base)
    except ImageError as exc:
        raise ImageError(f"{what}: the Dockerfile's image {base!r} is not a valid name ({exc.message})", "fix the FROM or --from value, or the build arg it uses") from None
    was_present = store.get(base) is not None
    try:
        store.pull(base, policy=policy)
    except ImageError as exc:
        state = "is in the image store but cannot be pulled again (pull is set)" if was_present else "is not in the image store and cannot be pulled"
        raise ImageError(f"{what}: base image {reference.familiar()} {state}: {exc.message}", _BASE_HINT) from None
    descriptor = store.store.lookup(reference)
    if descriptor is None:  # removed between the pull and now
        raise ImageError(f"{what}: base image {reference.familiar()} vanished from the image store during the build", "build again")
    copy_into_storage(storage, store.store.path, descriptor.annotations[oci.REF_NAME])
