"""The Debian base image (python3 on a minimal bookworm) for tests and examples.

    pytest_plugins = ["tests.support.debian_base"]

    @pytest.mark.slow
    def test_x(debian_base_ref):      # "composer/debian:bookworm-slim-python", in the session's store
        ...

Made once per session with mmdebstrap from the host's Debian mirror (about 30-70 s,
mostly download). Tests using it are skipped, with the reason, when mmdebstrap is not
installed or the mirror cannot be reached.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from composer.images import ImageStore
from composer.images.debian_base import DEFAULT_REF, host_codename, host_sources, make_debian_base, release_entries


def debian_base_unavailable() -> str | None:
    """Why the Debian base cannot be made here, or None when it can."""
    if shutil.which("mmdebstrap") is None:
        return "mmdebstrap is not installed (apt-get install mmdebstrap)"
    codename = host_codename(Path("/etc/os-release").read_text())
    entries = release_entries(host_sources(Path("/etc/apt")), codename)
    if not entries:
        return f"the host's apt sources name no Debian mirror for {codename}"
    uri, suite = entries[0].split("] ")[-1].removeprefix("deb ").split()[:2]
    release = f"{uri.rstrip('/')}/dists/{suite}/InRelease"
    try:
        with urllib.request.urlopen(release, timeout=10) as response:
            response.read(1)
    except (urllib.error.URLError, OSError) as exc:
        return f"the Debian mirror cannot be reached ({release}: {exc})"
    return None


@pytest.fixture(scope="session")
def debian_base_ref() -> str:
    reason = debian_base_unavailable()
    if reason is not None:
        pytest.skip(reason)
    make_debian_base(ImageStore())
    return DEFAULT_REF
