"""A small Debian image made on this host with mmdebstrap: a base for examples and tests
where no registry can be reached.

    image = make_debian_base(ImageStore())   # composer/debian:bookworm-slim-python

Packages come from the Debian mirrors this host's apt already uses (/etc/apt/sources.list
and sources.list.d/*.list|*.sources), only the entries of the host's own release
(bookworm, bookworm-updates, bookworm-security, …), so the image is of the host's release
and nothing else is contacted. Man pages, docs and locales are left out, as in Docker's
"-slim" images. mmdebstrap runs in unshare mode: its mounts live in a private namespace
and cannot outlive it.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from composer.errors import ImageError
from composer.images import Image, ImageStore

DEFAULT_REF = "composer/debian:bookworm-slim-python"
VARIANTS = ("minbase", "apt")
_SLIM = ("/usr/share/man/*", "/usr/share/doc/*", "/usr/share/locale/*", "/usr/share/info/*")
_TIMEOUT = 1800


@dataclass(frozen=True)
class AptSource:
    """One stanza of an apt sources file, either format."""

    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]
    signed_by: str | None = None

    def lines(self, suites: Sequence[str]) -> list[str]:
        """One-line `deb` entries for those of `suites` this stanza has."""
        option = f"[signed-by={self.signed_by}] " if self.signed_by else ""
        return [f"deb {option}{uri} {suite} {' '.join(self.components)}" for uri in self.uris for suite in self.suites if suite in suites]


def make_debian_base(store: ImageStore, ref: str = DEFAULT_REF, packages: Sequence[str] = ("python3",), variant: str = "minbase") -> Image:
    """The Debian image `ref`, made with mmdebstrap and imported unless the store has it."""
    existing = store.get(ref)
    if existing is not None:
        return existing
    if variant not in VARIANTS:
        raise ValueError(f"variant {variant!r} is not one of {VARIANTS}")
    what = f"cannot make Debian image {ref}"
    codename = host_codename(Path("/etc/os-release").read_text())
    mirrors = release_entries(host_sources(Path("/etc/apt")), codename)
    if not mirrors:
        raise ImageError(f"{what}: this host's apt sources name no Debian mirror for {codename}", "add one to /etc/apt/sources.list")
    scratch = store.root / "buildah" / "tmp"  # beside the build cache's own scratch files
    log_path = store.root / "buildah" / "logs" / "debian-base.log"
    for directory in (scratch, log_path.parent):
        directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="debian-base-", dir=scratch) as workdir:
        tarball = Path(workdir) / "rootfs.tar"
        argv = mmdebstrap_argv(codename, tarball, mirrors, packages, variant)
        _run_logged(argv, log_path, workdir, what)
        return store.import_rootfs(tarball, ref, {"Cmd": ["bash"]})


def mmdebstrap_argv(suite: str, tarball: Path, mirrors: Sequence[str], packages: Sequence[str], variant: str) -> list[str]:
    argv = ["mmdebstrap", "--mode=unshare", f"--variant={variant}", "--format=tar", "--skip=output/dev"]
    if packages:
        argv.append("--include=" + ",".join(packages))
    for pattern in _SLIM:
        argv.append(f"--dpkgopt=path-exclude={pattern}")
    argv.append("--dpkgopt=path-include=/usr/share/doc/*/copyright")  # licences stay
    return argv + [suite, str(tarball), *mirrors]


def host_codename(os_release: str) -> str:
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "VERSION_CODENAME" and value.strip().strip('"'):
            return value.strip().strip('"')
    raise ImageError("cannot tell this host's Debian release: /etc/os-release has no VERSION_CODENAME", "make_debian_base needs a Debian host")


def host_sources(apt_dir: Path) -> list[AptSource]:
    """Every enabled `deb` stanza of sources.list and sources.list.d/*.list|*.sources."""
    sources: list[AptSource] = []
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]
    for path in files:
        if path.is_file():
            sources += parse_one_line_sources(path.read_text(errors="replace"))
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        sources += parse_deb822_sources(path.read_text(errors="replace"))
    return sources


def release_entries(sources: Sequence[AptSource], codename: str) -> list[str]:
    """One-line entries for the host's release and its -updates/-security suites, no others
    (third-party repositories name other suites), duplicates dropped."""
    entries: list[str] = []
    for source in sources:
        suites = [suite for suite in source.suites if suite == codename or suite.startswith(codename + "-")]
        entries += [line for line in source.lines(suites) if line not in entries]
    return entries


def parse_one_line_sources(text: str) -> list[AptSource]:
    """`deb [options] uri suite component…` lines; deb-src and comments are skipped."""
    sources = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line.startswith("deb "):
            continue
        rest = line[4:].strip()
        options: dict[str, str] = {}
        if rest.startswith("["):
            inside, _, rest = rest[1:].partition("]")
            options = dict(item.partition("=")[::2] for item in inside.split())
        words = rest.split()
        if len(words) >= 2:
            sources.append(AptSource((words[0],), (words[1],), tuple(words[2:]), options.get("signed-by")))
    return sources


def parse_deb822_sources(text: str) -> list[AptSource]:
    """deb822 stanzas (Types/URIs/Suites/Components/Signed-By/Enabled) of type deb."""
    sources = []
    for stanza in re.split(r"\n[ \t]*\n", text):
        fields = _deb822_fields(stanza)
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        signed_by = fields.get("signed-by") or None
        if signed_by and "\n" in signed_by:  # an inline key block: keep apt's default keyring
            signed_by = None
        sources.append(AptSource(tuple(fields.get("uris", "").split()), tuple(fields.get("suites", "").split()), tuple(fields.get("components", "").split()), signed_by))
    return sources


def _deb822_fields(stanza: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = ""
    for line in stanza.splitlines():
        if line.startswith("#"):
            continue
        if line[:1].isspace() and key:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
    return fields


def _run_logged(argv: list[str], log_path: Path, workdir: str, what: str) -> None:
    try:
        with open(log_path, "w", encoding="utf-8") as log:
            result = subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir, timeout=_TIMEOUT, check=False)
    except FileNotFoundError:
        raise ImageError(f"{what}: mmdebstrap is not installed", "apt-get install mmdebstrap") from None
    except subprocess.TimeoutExpired:
        raise ImageError(f"{what}: mmdebstrap did not finish in {_TIMEOUT} s", f"see {log_path}") from None
    if result.returncode != 0:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if line.startswith("E:")]
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        raise ImageError(f"{what}: mmdebstrap failed: {reason}", f"the full output is in {log_path}; check that the Debian mirror is reachable")
