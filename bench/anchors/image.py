"""The one small test image both sides run: Debian's busybox-static as a rootfs tarball,
`docker import`ed into the private engine and imported into composer's private store
under the same name (IMAGE_REF), both with Cmd ["sh"]."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.anchors.engine import DockerEngine
from bench.anchors.layout import IMAGE_REF, Layout
from bench.stats import NotAvailable

REPO = Path(__file__).resolve().parents[2]


def busybox_tar(layout: Layout) -> Path:
    """The rootfs tarball, made once per run with tests/support/rootfs.py."""
    tar = layout.image_dir / "busybox.tar"
    if tar.exists():
        return tar
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.support.rootfs import have_busybox, make_busybox_tar

    if not have_busybox():
        raise NotAvailable("/bin/busybox is missing: apt-get install busybox-static")
    layout.image_dir.mkdir(parents=True, exist_ok=True)
    return make_busybox_tar(tar, layout.image_dir)


def import_into_docker(engine: DockerEngine, layout: Layout) -> None:
    engine.docker("import", "-c", 'CMD ["sh"]', str(busybox_tar(layout)), IMAGE_REF, timeout=120)


def import_into_composer(layout: Layout) -> None:
    """Import in a child process, so the store is the bench-private COMPOSER_ROOT."""
    code = (
        "import sys; from composer.images import ImageStore; "
        "ImageStore().import_rootfs(sys.argv[1], sys.argv[2], changes={'Cmd': ['sh']})"
    )
    env = dict(os.environ, **layout.composer_env())
    result = subprocess.run(
        [sys.executable, "-c", code, str(busybox_tar(layout)), IMAGE_REF],
        env=env, capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        raise NotAvailable(f"composer image import failed: {result.stderr.strip().splitlines()[-1:]}")
