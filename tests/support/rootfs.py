"""Small root filesystems for integration tests, made from Debian's busybox-static.

No registry and no network: a busybox rootfs is a directory with /bin/busybox, one
symlink per applet, and the few /etc files a container expects.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from pathlib import Path

BUSYBOX = "/bin/busybox"

PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n"
GROUP = "root:x:0:\nnogroup:x:65534:\napp:x:1000:\nextra:x:2000:app\n"


def have_busybox() -> bool:
    return os.path.exists(BUSYBOX)


def make_busybox_rootfs(root: Path) -> Path:
    """Fill `root` with a busybox userland; returns root."""
    root = Path(root)
    for d in ("bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "root", "home/app", "proc", "sys", "dev", "var/log"):
        (root / d).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "tmp", 0o1777)
    shutil.copy2(BUSYBOX, root / "bin" / "busybox")
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        link = root / "bin" / applet
        if not link.exists() and applet != "busybox":
            link.symlink_to("busybox")
    (root / "etc" / "passwd").write_text(PASSWD)
    (root / "etc" / "group").write_text(GROUP)
    os.chown(root / "home" / "app", 1000, 1000)
    return root


def make_busybox_tar(path: Path, workdir: Path) -> Path:
    """A rootfs tarball (as `docker export` makes) of the busybox userland."""
    root = make_busybox_rootfs(Path(workdir) / "busybox-rootfs")
    with tarfile.open(path, "w") as tar:
        for entry in sorted(root.iterdir()):
            tar.add(entry, arcname=entry.name)
    return Path(path)
