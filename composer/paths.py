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
