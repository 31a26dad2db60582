"""Where composer keeps things on the host.

Durable state (images, volumes, container upper dirs, default logs) lives under the
data root; runtime state (supervisor state files, locks, runc's own root) under the
run dir, which a reboot clears. Both can be moved with environment variables so
tests and users can keep separate worlds.
"""

import os
from pathlib import Path


def data_root() -> Path:
    return Path(os.environ.get("COMPOSER_ROOT", "/var/lib/composer"))


def run_root() -> Path:
    return Path(os.environ.get("COMPOSER_RUN", "/run/composer"))


def make_private_roots() -> None:
    """Both roots exist and are root-only (0700), as /var/lib/docker keeps its state: they
    hold container filesystems, secrets and logs. An older, looser root is tightened."""
    for root in (data_root(), run_root()):
        try:
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            if root.stat().st_mode & 0o077:
                root.chmod(0o700)
        except OSError:
            pass  # not root, or a read-only place: the command's own error will say so
