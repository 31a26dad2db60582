"""A `rebuild` rule: the image is built again (buildah) and the service recreated from it."""

from __future__ import annotations

import shutil

import pytest

from tests.support.images import BUSYBOX_REF
from test_watch_support import container_file, watch  # noqa: F401  (fixtures)

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

DOCKERFILE = f'FROM {BUSYBOX_REF}\nCOPY version /version\nCMD ["sh", "-c", "trap \'exit 0\' TERM; sleep 600 & wait"]\n'


@pytest.mark.skipif(shutil.which("buildah") is None, reason="buildah is not installed")
def test_an_edit_rebuilds_the_image_and_recreates_the_service(project, watch):
    context = project.dir / "app"
    context.mkdir()
    (context / "Dockerfile").write_text(DOCKERFILE)
    (context / "version").write_text("v1\n")
    project.write("services:\n  app:\n    build: ./app\n    network_mode: none\n    develop:\n      watch:\n        - {action: rebuild, path: ./app}\n")
    watcher = watch("watch", "--quiet")
    watcher.wait_for("Watch enabled", timeout=120)
    assert container_file(project, "app", "/version") == "v1\n"
    before = project.containers()[f"{project.name}-app-1"].pid
    (context / "version").write_text("v2\n")
    watcher.wait_for("⟳ app: rebuilt and recreated", timeout=120)
    assert container_file(project, "app", "/version") == "v2\n"
    assert project.containers()[f"{project.name}-app-1"].pid != before
    assert not watcher.lines("⟳ app: Container")  # --quiet: no recreate progress lines
