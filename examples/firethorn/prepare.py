"""Make what `compose up` of this example needs: the base image (once) and the three images.

    python3 examples/firethorn/prepare.py [--rebuild]

The base image firethorn/base:bookworm is Debian 12 with python3, python3-psycopg2 and
postgresql-15, made with mmdebstrap from this host's Debian mirror (about a minute) and
kept in composer's image store; every image of the example builds FROM it. Then
`compose build` builds the images of pgcat (metadata runs the same), firethorn and tester; unchanged
sources come from the builder's cache in seconds. Needs root, like composer itself.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BASE_REF = "firethorn/base:bookworm"
BASE_PACKAGES = ("python3", "python3-psycopg2", "postgresql-15")
IMAGE_SERVICES = ("pgcat", "firethorn", "tester")  # one per image: metadata runs pgcat's


def ensure_base_image() -> None:
    sys.path.insert(0, str(REPO))  # run from a checkout, installed or not
    from composer.errors import ComposerError
    from composer.images import ImageStore
    from composer.images.debian_base import make_debian_base

    store = ImageStore()
    if store.get(BASE_REF) is not None:
        print(f"prepare: {BASE_REF} is in the image store")
        return
    print(f"prepare: making {BASE_REF} ({', '.join(BASE_PACKAGES)}) with mmdebstrap; about a minute")
    started = time.monotonic()
    try:
        make_debian_base(store, BASE_REF, packages=BASE_PACKAGES)
    except ComposerError as exc:
        raise SystemExit(f"prepare: {exc.one_line()}") from None
    print(f"prepare: {BASE_REF} made in {time.monotonic() - started:.0f} s")


def build_images(rebuild: bool) -> None:
    argv = [sys.executable, "-m", "composer", "-f", str(HERE / "compose.yaml"), "--profile", "test", "build"]
    if rebuild:
        argv.append("--no-cache")
    argv += IMAGE_SERVICES
    started = time.monotonic()
    result = subprocess.run(argv, cwd=REPO)
    if result.returncode != 0:
        raise SystemExit(f"prepare: compose build failed (exit status {result.returncode})")
    print(f"prepare: images built in {time.monotonic() - started:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the images again without the builder's cache")
    args = parser.parse_args()
    ensure_base_image()
    build_images(args.rebuild)
    return 0


if __name__ == "__main__":
    sys.exit(main())
