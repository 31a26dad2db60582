"""buildah and skopeo, pointed at composer's private container storage (no daemon, no
/var/lib/containers): the builder's layer cache lives beside composer's image store.

    <data_root>/buildah/storage/                buildah's images and layers: the build cache
    <data_root>/buildah/driver                  storage driver picked on first use: overlay, else vfs
    <data_root>/buildah/tmp/                    inline Dockerfiles, exported archives; the tools' TMPDIR
    <data_root>/buildah/logs/<project>/<svc>.log  full output of a service's last build
    <run_root>/buildah/<hash of that path>    runroot: locks and mount counts, which a reboot must clear

Images cross between the two stores with skopeo: bases go in from composer's OCI layout
(`oci:` → `containers-storage:`), results come out as a docker-archive that the store loads.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from composer import paths
from composer.errors import ImageError

DRIVERS = ("overlay", "vfs")
# The overlay driver otherwise bind-mounts its home on itself and leaves that mount behind.
_OVERLAY_OPTIONS = ("overlay.skip_mount_home=true",)
_TOOL_TIMEOUT = 600  # one copy of a large image; the build itself has no time limit
_INSTALL_HINT = "install buildah, skopeo and runc (apt-get install buildah skopeo runc)"


@dataclass(frozen=True)
class BuildOutcome:
    returncode: int
    last_error: str  # the builder's last error line, or its last line of output


@dataclass(frozen=True)
class BuilderStorage:
    home: Path  # <data_root>/buildah
    runroot: Path
    driver: str

    @classmethod
    def open(cls, data_root: Path) -> BuilderStorage:
        home = Path(data_root) / "buildah"
        digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:12]
        runroot = paths.run_root() / "buildah" / digest  # one runroot per storage root, never shared
        for directory in (home / "storage", home / "tmp", home / "logs", runroot):
            directory.mkdir(parents=True, exist_ok=True)
        return cls(home, runroot, _chosen_driver(home))

    @property
    def root(self) -> Path:
        return self.home / "storage"

    @property
    def tmp(self) -> Path:
        return self.home / "tmp"

    def log_path(self, project: str, service: str) -> Path:
        directory = self.home / "logs" / project
        directory.mkdir(parents=True, exist_ok=True)
        return directory / f"{service}.log"

    def buildah(self, *args: str) -> list[str]:
        return _buildah_argv(self.root, self.runroot, self.driver, args)

    def transport(self, name: str) -> str:
        """skopeo's name for `name` in this storage, with the same driver and options as buildah."""
        options = "".join(f":{option}" for option in _driver_options(self.driver))
        return f"containers-storage:[{self.driver}@{self.root}+{self.runroot}{options}]{name}"

    def environment(self) -> dict[str, str]:
        return {**os.environ, "TMPDIR": str(self.tmp)}


def run_build(storage: BuilderStorage, args: Sequence[str], log_path: Path, progress: Callable[[str], None] | None) -> BuildOutcome:
    """Run `buildah <args>`, writing every line to `log_path` and passing it to `progress`."""
    last_error = last_line = ""
    with open(log_path, "w", encoding="utf-8") as log, _started(storage.buildah(*args), storage) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            text = line.rstrip()
            last_line = text or last_line
            if text.startswith("Error:"):
                last_error = text
            if progress is not None:
                progress(text)
        returncode = process.wait()
    return BuildOutcome(returncode, _tidy_error(last_error or last_line or "no output"))


def copy_into_storage(storage: BuilderStorage, layout: Path, name: str) -> None:
    """Make image `name` (its full reference) of the OCI layout at `layout` known to buildah."""
    _run(["skopeo", "copy", "--quiet", f"oci:{layout}:{name}", storage.transport(name)], storage, f"cannot hand image {name} to the builder")


def export_archive(storage: BuilderStorage, image_id: str, names: Sequence[str], archive: Path) -> None:
    """Write the built image as a docker-archive carrying every name in `names`.

    docker-archive keeps layers uncompressed: no gzip on the way out, none to undo when
    the store unpacks them, and the digests equal the diff_ids, so layers are shared."""
    argv = ["skopeo", "copy", "--quiet", storage.transport(image_id.removeprefix("sha256:")), f"docker-archive:{archive}:{names[0]}"]
    for name in names[1:]:
        argv += ["--additional-tag", name]
    _run(argv, storage, f"cannot export the built image {image_id}")


def remove_storage(storage: BuilderStorage) -> None:
    """Delete the whole build cache: containers, images, layers, and any mount left on them."""
    for args in (("rm", "--all"), ("rmi", "--all", "--force")):
        subprocess.run(storage.buildah(*args), capture_output=True, env=storage.environment(), timeout=_TOOL_TIMEOUT, check=False)
    for base in (storage.root, storage.runroot):
        for mountpoint in sorted(_mounts_under(base), key=len, reverse=True):
            subprocess.run(["umount", "-l", mountpoint], capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)
    (storage.home / "driver").unlink(missing_ok=True)


def _buildah_argv(root: Path, runroot: Path, driver: str, args: Sequence[str]) -> list[str]:
    argv = ["buildah", "--root", str(root), "--runroot", str(runroot), "--storage-driver", driver]
    for option in _driver_options(driver):
        argv += ["--storage-opt", option]
    return argv + list(args)


def _driver_options(driver: str) -> tuple[str, ...]:
    return _OVERLAY_OPTIONS if driver == "overlay" else ()


def _chosen_driver(home: Path) -> str:
    """The driver this storage was made with; on first use overlay if the kernel and the
    file system take it, else vfs (slower, copies whole layers). A storage root cannot
    change driver later, so the choice is written down."""
    record = home / "driver"
    recorded = record.read_text().strip() if record.is_file() else ""
    if recorded in DRIVERS:
        return recorded
    probe = Path(tempfile.mkdtemp(prefix="driver-probe-", dir=home / "tmp"))  # threads may probe at once
    try:
        argv = _buildah_argv(probe / "root", probe / "run", "overlay", ("info",))
        works = subprocess.run(argv, capture_output=True, timeout=60, check=False).returncode == 0
    except FileNotFoundError:
        raise ImageError("buildah is not installed; composer builds images with it", _INSTALL_HINT) from None
    finally:
        for mountpoint in _mounts_under(probe):
            subprocess.run(["umount", "-l", mountpoint], capture_output=True, timeout=60, check=False)
        shutil.rmtree(probe, ignore_errors=True)
    driver = "overlay" if works else "vfs"
    record.write_text(driver + "\n")
    return driver


@contextmanager
def _started(argv: list[str], storage: BuilderStorage) -> Iterator[subprocess.Popen[str]]:
    """Popen that stops the builder if composer is interrupted or the caller fails."""
    try:
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, errors="replace", env=storage.environment(),
        )
    except FileNotFoundError:
        raise ImageError("buildah is not installed; composer builds images with it", _INSTALL_HINT) from None
    try:
        yield process
    except BaseException:
        process.terminate()  # buildah removes its build container on SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        raise
    finally:
        if process.stdout is not None:
            process.stdout.close()


def _run(argv: list[str], storage: BuilderStorage, what: str) -> None:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, errors="replace", env=storage.environment(), timeout=_TOOL_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ImageError(f"{what}: {argv[0]} is not installed", _INSTALL_HINT) from None
    except subprocess.TimeoutExpired:
        raise ImageError(f"{what}: {argv[0]} did not finish in {_TOOL_TIMEOUT} s", "check free space and load on this host") from None
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()] or [f"exit status {result.returncode}"]
        raise ImageError(f"{what}: {_tidy_error(lines[-1])}", "check free space under the data root")


def _tidy_error(line: str) -> str:
    """The tool's error line without its prefix, log framing, or the Go struct buildah may append."""
    if ' msg="' in line:  # time="…" level=fatal msg="…"
        line = line.split(' msg="', 1)[1].removesuffix('"').replace('\\"', '"')
    line = line.removeprefix("Error: ").strip()
    return line.split(" &imagebuilder.", 1)[0].strip()


def _mounts_under(base: Path) -> list[str]:
    prefix = str(base.resolve() if base.exists() else base).rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            mountpoint = line.split()[4].replace("\\040", " ")
            if mountpoint.startswith(prefix) or mountpoint == prefix.rstrip("/"):
                found.append(mountpoint)
    return found
