"""Where netplugins keeps its state (address leases): under the data root it shares with its
caller, $COMPOSER_ROOT (default /var/lib/composer), read at each call so a caller or a test
can move it."""

from __future__ import annotations

import os
from pathlib import Path


def state_root() -> Path:
    return Path(os.environ.get("COMPOSER_ROOT", "/var/lib/composer"))
