"""The mmdebstrap-made Debian base: python3 runs in it, and a Dockerfile builds FROM it
out of composer's store (no registry involved). Slow: the base takes 30-70 s to make."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.config.model import BuildConfig
from composer.images import ImageStore
from composer.images.build import build_service_image, remove_build_cache
from composer.images.debian_base import make_debian_base

pytest_plugins = ["tests.support.debian_base"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]


@pytest.fixture
def merged_rootfs(debian_base_ref: str, tmp_path: Path) -> Iterator[Path]:
    """The image's layers as a writable overlay, unmounted afterwards."""
    store = ImageStore()
    lowers = ":".join(str(layer) for layer in store.lowerdirs(debian_base_ref))
    upper, work, merged = (tmp_path / name for name in ("upper", "work", "merged"))
    for directory in (upper, work, merged):
        directory.mkdir()
    options = f"lowerdir={lowers},upperdir={upper},workdir={work}"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)], check=True, timeout=30)
    try:
        yield merged
    finally:
        subprocess.run(["umount", str(merged)], check=True, timeout=30)


def test_python_runs_in_the_debian_base(debian_base_ref: str, merged_rootfs: Path) -> None:
    result = subprocess.run(["chroot", str(merged_rootfs), "python3", "-c", "print(42)"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (0, "42\n", "")
    assert not (merged_rootfs / "usr/share/man/man1").exists() or not any((merged_rootfs / "usr/share/man/man1").iterdir())


def test_make_debian_base_is_idempotent(debian_base_ref: str) -> None:
    store = ImageStore()
    assert make_debian_base(store).digest == store.resolve(debian_base_ref).digest


def test_build_from_the_debian_base(debian_base_ref: str, tmp_path: Path) -> None:
    if shutil.which("buildah") is None:
        pytest.skip("buildah not installed")
    store = ImageStore()
    dockerfile = f"FROM {debian_base_ref}\nRUN python3 -c 'print(6 * 7)' > /answer\nCMD [\"python3\"]\n"
    try:
        image = build_service_image(store, "deb", "app", BuildConfig(context=str(tmp_path), dockerfile_inline=dockerfile), None)
        top = store.lowerdirs(image)[0]
        assert (top / "answer").read_text() == "42\n"
        assert image.layers[0] == store.resolve(debian_base_ref).layers[0]
    finally:
        remove_build_cache(store)
