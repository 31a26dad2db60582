"""Compose v2 (2.40, the reference binary) on a private Docker engine, beside composer.

One engine per test session (`reference_engine`), shared by every side-by-side test:
private socket, data root and exec root under a short /tmp dir, no iptables, no bridge
(bench/anchors/engine.py). The busybox image the tests build is imported into it.
Skips with the reason when dockerd or the reference binary cannot be had here.

    pytest_plugins = ["tests.support.project", "tests.support.compose_reference"]

    def test_x(both):                      # (our Project, its Reference twin), same compose file
        project, reference = both
"""

from __future__ import annotations

import secrets
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.images import BUSYBOX_REF


@pytest.fixture(scope="session")
def reference_engine():
    from bench.anchors.compose_v2 import ensure_compose_v2
    from bench.anchors.engine import DockerEngine
    from bench.suites.base import NotAvailable
    from tests.support.rootfs import have_busybox, make_busybox_tar

    if not have_busybox():
        pytest.skip("busybox-static is not installed")
    try:
        binary = ensure_compose_v2()
        docker = DockerEngine(Path(tempfile.mkdtemp(prefix="cref-", dir="/tmp")))
        docker.start()
    except NotAvailable as exc:
        print(f"skipped: {exc}")
        pytest.skip(f"no reference engine: {exc}")
    try:
        with tempfile.TemporaryDirectory() as work:
            tar = make_busybox_tar(Path(work) / "busybox.tar", Path(work))
            docker.docker("import", "-c", 'CMD ["sh"]', str(tar), BUSYBOX_REF, timeout=120)
        yield docker, binary
    finally:
        docker.stop()
        subprocess.run(["rm", "-rf", str(docker.dir)], capture_output=True)


class Reference:
    """A project run by Compose v2 in its own directory (compose.yaml written there)."""

    def __init__(self, engine, binary: Path, directory: Path) -> None:
        self.engine, self.binary, self.dir = engine, binary, directory
        self.name = f"r{secrets.token_hex(3)}"

    def write(self, text: str, filename: str = "compose.yaml") -> None:
        (self.dir / filename).write_text(text)

    def env(self) -> dict[str, str]:
        return {k: v for k, v in self.engine.env.items() if not k.startswith("COMPOSE_")}

    def argv(self, *args: str) -> list[str]:
        return [str(self.binary), "-p", self.name, *args]

    def compose(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        result = subprocess.run(self.argv(*args), cwd=self.dir, env=self.env(), capture_output=True, text=True, timeout=180,
                                input=input, stdin=None if input is not None else subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"docker-compose {' '.join(args)}: {result.stderr}")
        return result


def twin(engine, tmp_path: Path, project, files: str):
    """Our project and a Compose v2 one, both with `files` as compose.yaml."""
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    reference = Reference(*engine, reference_dir)
    reference.write(files)
    project.write(files)
    return project, reference


def masked(text: str, name: str) -> str:
    return text.replace(name, "PROJECT")
