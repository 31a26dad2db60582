"""The overlay root filesystem: idempotent mount/umount, layer order, many long layer paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from composer.errors import RuntimeFailure
from composer.runtime.rootfs import MOUNT_OPTIONS_LIMIT, is_mounted, mount_overlay, umount

pytestmark = pytest.mark.needs_root


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "merged"
    yield mount_point
    umount("test", mount_point)
    assert not is_mounted(mount_point)


def make_layers(base: Path, count: int, name_length: int = 8) -> list[str]:
    """count layers, topmost first; layer i holds file i and a shared file saying i."""
    layers = []
    for i in range(count):
        layer = base / f"{i:04d}-{'x' * name_length}"
        layer.mkdir(parents=True)
        (layer / f"file{i}").write_text(str(i))
        (layer / "shared").write_text(str(i))
        layers.append(str(layer))
    return layers


def test_mount_is_idempotent_and_upper_takes_writes(tmp_path: Path, target: Path) -> None:
    layers = make_layers(tmp_path / "layers", 3)
    upper, work = tmp_path / "upper", tmp_path / "work"
    mount_overlay("test", layers, upper, work, target)
    mount_overlay("test", layers, upper, work, target)  # already mounted: fine
    assert (target / "shared").read_text() == "0"  # the first lowerdir is the top layer
    assert sorted(p.name for p in target.iterdir()) == ["file0", "file1", "file2", "shared"]
    (target / "new").write_text("written")
    assert (upper / "new").read_text() == "written" and not (Path(layers[0]) / "new").exists()
    umount("test", target)
    umount("test", target)  # not mounted: fine
    assert not is_mounted(target)


def test_many_long_layer_paths_still_mount(tmp_path: Path, target: Path) -> None:
    layers = make_layers(tmp_path / "layers", 60, name_length=100)
    assert len(":".join(layers)) > MOUNT_OPTIONS_LIMIT
    mount_overlay("test", layers, tmp_path / "upper", tmp_path / "work", target)
    assert (target / "shared").read_text() == "0" and (target / "file59").read_text() == "59"


def test_missing_layer_is_named(tmp_path: Path, target: Path) -> None:
    with pytest.raises(RuntimeFailure, match=r"container test: image layer .*/gone does not exist"):
        mount_overlay("test", [str(tmp_path / "gone")], tmp_path / "upper", tmp_path / "work", target)


def test_mount_point_with_a_space_is_recognised(tmp_path: Path) -> None:
    target = tmp_path / "merged here"
    layers = make_layers(tmp_path / "layers", 1)
    mount_overlay("test", layers, tmp_path / "upper", tmp_path / "work", target)
    try:
        assert is_mounted(target)
    finally:
        umount("test", target)
    assert not is_mounted(target)
