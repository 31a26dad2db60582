"""A bounded HTTP GET for tests: a published port or ambassador may still be reading its
targets when the test first asks."""

from __future__ import annotations

import time
import urllib.request


def http_get(url: str, attempts: int = 20) -> str:
    """The body (stripped), or "" when no attempt got an answer."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=3) as response:
                return response.read().decode().strip()
        except OSError:
            time.sleep(0.25)
    return ""
