"""A throw-away Docker registry on 127.0.0.1 for pull tests (Debian's docker-registry).

    with LocalRegistry(tmp_path) as registry:
        registry.push_from_layout(store_dir, "docker.io/composer-test/busybox:1", "composer-test/busybox:1")
        pull(f"{registry.address}/composer-test/busybox:1")

Plain HTTP, no auth, storage in a tmp dir; stop() (or leaving the `with`) always ends
the process, even when start-up failed half way.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

REGISTRY = "/usr/bin/docker-registry"
_START_TIMEOUT = 15.0
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def have_registry() -> bool:
    return Path(REGISTRY).exists() and shutil.which("skopeo") is not None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalRegistry:
    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> "LocalRegistry":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        storage = self.workdir / "registry-storage"
        storage.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        config = self.workdir / "registry.yml"
        config.write_text(
            "version: 0.1\nlog:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {storage}\n  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.address}\n"
        )
        log = open(self.workdir / "registry.log", "wb")
        self.process = subprocess.Popen([REGISTRY, "serve", str(config)], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {(self.workdir / 'registry.log').read_text()[-500:]}")
            try:
                with _DIRECT.open(f"http://{self.address}/v2/", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        raise RuntimeError(f"docker-registry did not answer on {self.address} within {_START_TIMEOUT}s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def push_from_layout(self, layout: Path, ref_name: str, repo_tag: str) -> str:
        """Copy image `ref_name` of an OCI layout to <registry>/<repo_tag>; returns that reference."""
        target = f"{self.address}/{repo_tag}"
        subprocess.run(
            ["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{layout}:{ref_name}", f"docker://{target}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return target
