"""The shared busybox fixtures, used the way other modules will use them."""

from __future__ import annotations

import pytest

from composer.images import ImageStore

pytest_plugins = ["tests.support.images"]

pytestmark = pytest.mark.needs_root


def test_busybox_ref_is_in_the_default_store(busybox_ref: str, image_store: ImageStore) -> None:
    assert busybox_ref == "composer-test/busybox:1"
    image = ImageStore().resolve(busybox_ref)
    assert image == image_store.resolve("docker.io/composer-test/busybox:1")
    assert image.config.cmd == ("sh",)
    [layer] = image_store.lowerdirs(image)
    assert (layer / "bin" / "busybox").is_file()
