"""A project with something at every crash point: two bridge networks, a named volume, an
image whose layer is not unpacked yet, a published port and an ambassador.

    crash_project.crash("up", "-d", at="attach.netns")   # must die of SIGKILL there
    crash_project.assert_converges()                     # up, then everything answers
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from composer.images import ImageStore
from tests.support.http import http_get
from tests.support.images import busybox_ref, image_store  # noqa: F401  (fixtures)
from tests.support.project import Project
from tests.support.rootfs import have_busybox, make_busybox_tar

NETWORK_KEYS = ("default", "back")
PAGE = "crash-page"


def compose_file(image: str) -> str:
    return f"""
services:
  web:
    image: {image}
    command: ["sh", "-c", "echo {PAGE} > /data/index.html; exec httpd -f -p 80 -h /data"]
    volumes: [data:/data]
    ports: ["127.0.0.1::80"]
  db:
    image: {image}
    command: [sleep, "600"]
    networks: [default, back]
ambassadors:
  front: {{listen: "tcp://:8000", target: "tcp://web:80", retry: 10s}}
networks:
  back: {{}}
volumes:
  data: {{}}
"""


class CrashProject(Project):
    def crash(self, *args: str, at: str) -> None:
        """Run `compose args` with a crash point set; it must die there of SIGKILL."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
        env["COMPOSER_CRASH_AT"] = at
        result = subprocess.run([sys.executable, "-m", "composer", "-p", self.name, *args], cwd=self.dir,
                                capture_output=True, text=True, timeout=120, env=env)
        assert result.returncode == -9, f"compose {' '.join(args)} did not reach {at} (exit {result.returncode}):\n{result.stderr}"

    def assert_converges(self) -> None:
        result = self.compose("up", "-d")
        assert result.returncode == 0, result.stderr
        states = {row["Service"]: row["State"] for row in self.ps().values()}
        assert states == {"web": "running", "db": "running", "front": "running"}, states
        port = self.compose("port", "web", "80", check=True).stdout.strip()
        assert http_get(f"http://{port}/") == PAGE
        fetched = ""
        for _ in range(20):  # bounded: the ambassador may still be reading its targets
            got = self.compose("exec", "-T", "db", "timeout", "5", "wget", "-qO-", "http://front:8000/", timeout=30)
            fetched = got.stdout.strip()
            if got.returncode == 0:
                break
            time.sleep(0.25)
        assert fetched == PAGE


@pytest.fixture(scope="session")
def busybox_tar(tmp_path_factory) -> Path:
    if not have_busybox():
        pytest.skip("busybox-static is not installed")
    workdir = tmp_path_factory.mktemp("crash-busybox")
    return make_busybox_tar(workdir / "busybox.tar", workdir)


def unique_image(store: ImageStore, busybox: Path, workdir: Path) -> str:
    """busybox plus one file of its own: a layer no test has unpacked yet."""
    tar = workdir / "unique.tar"
    tar.write_bytes(busybox.read_bytes())
    marker = workdir / "marker"
    marker.write_text(secrets.token_hex(8))
    with tarfile.open(tar, "a") as archive:
        archive.add(marker, arcname="etc/marker")
    ref = f"composer-test/crash-{secrets.token_hex(3)}:1"
    store.import_rootfs(tar, ref, {"Cmd": ["sh"]})
    return ref


@pytest.fixture
def crash_project(request, tmp_path: Path, busybox_tar: Path, busybox_ref: str):
    """On busybox; a test parametrized with point="image.unpacked" gets an image of its own."""
    store = ImageStore()
    fresh = getattr(request.node, "callspec", None) and request.node.callspec.params.get("point") == "image.unpacked"
    ref = unique_image(store, busybox_tar, tmp_path) if fresh else busybox_ref
    project_dir = tmp_path / "project"
    project_dir.mkdir()
    proj = CrashProject(project_dir, f"c{secrets.token_hex(3)}")
    proj.write(compose_file(ref))
    yield proj
    proj.compose("down", "-v", "--remove-orphans", "-t", "1")
    if fresh:
        store.remove(ref)
        store.prune()
