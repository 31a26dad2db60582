"""debian_base: the host's apt sources as mmdebstrap mirrors, and mmdebstrap's command line."""

import textwrap
from pathlib import Path

import pytest

from composer.errors import ImageError
from composer.images.debian_base import (
    AptSource,
    host_codename,
    host_sources,
    mmdebstrap_argv,
    parse_deb822_sources,
    parse_one_line_sources,
    release_entries,
)

DEBIAN_SOURCES = """\
Types: deb deb-src
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://disabled.example/debian
Suites: bookworm
Components: main
Enabled: no
"""

NODESOURCE = """\
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
"""


def test_deb822_stanzas():
    sources = parse_deb822_sources(DEBIAN_SOURCES)
    assert sources == [
        AptSource(("http://deb.debian.org/debian",), ("bookworm", "bookworm-updates"), ("main", "contrib"), "/usr/share/keyrings/debian-archive-keyring.gpg"),
        AptSource(("http://deb.debian.org/debian-security",), ("bookworm-security",), ("main",), "/usr/share/keyrings/debian-archive-keyring.gpg"),
    ]


def test_deb822_inline_key_falls_back_to_the_default_keyring():
    text = "Types: deb\nURIs: http://m/debian\nSuites: bookworm\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n"
    assert parse_deb822_sources(text)[0].signed_by is None


def test_one_line_sources():
    text = textwrap.dedent(
        """\
        # comment
        deb http://ftp.de.debian.org/debian bookworm main non-free-firmware
        deb-src http://ftp.de.debian.org/debian bookworm main
        deb [arch=amd64 signed-by=/k.gpg] https://packages.cloud.google.com/apt cloud-sdk-bookworm main  # trailing
        """
    )
    assert parse_one_line_sources(text) == [
        AptSource(("http://ftp.de.debian.org/debian",), ("bookworm",), ("main", "non-free-firmware")),
        AptSource(("https://packages.cloud.google.com/apt",), ("cloud-sdk-bookworm",), ("main",), "/k.gpg"),
    ]


def test_only_the_hosts_release_is_used(tmp_path: Path):
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list").write_text("deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n")
    (tmp_path / "sources.list.d" / "debian.sources").write_text(DEBIAN_SOURCES)
    (tmp_path / "sources.list.d" / "nodesource.sources").write_text(NODESOURCE)
    (tmp_path / "sources.list.d" / "old.list.disabled-by-admin").write_text("deb http://old/debian bookworm main\n")
    keyring = "[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
    assert release_entries(host_sources(tmp_path), "bookworm") == [
        f"deb {keyring}http://deb.debian.org/debian bookworm main contrib",
        f"deb {keyring}http://deb.debian.org/debian bookworm-updates main contrib",
        f"deb {keyring}http://deb.debian.org/debian-security bookworm-security main",
    ]
    assert release_entries(host_sources(tmp_path), "trixie") == []


def test_codename():
    assert host_codename('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n') == "bookworm"
    with pytest.raises(ImageError, match="has no VERSION_CODENAME"):
        host_codename("NAME=Other\n")


def test_mmdebstrap_command_line():
    argv = mmdebstrap_argv("bookworm", Path("/w/rootfs.tar"), ["deb http://m/debian bookworm main"], ("python3", "curl"), "apt")
    assert argv[:6] == ["mmdebstrap", "--mode=unshare", "--variant=apt", "--format=tar", "--skip=output/dev", "--include=python3,curl"]
    assert "--dpkgopt=path-exclude=/usr/share/doc/*" in argv and "--dpkgopt=path-include=/usr/share/doc/*/copyright" in argv
    assert argv[-3:] == ["bookworm", "/w/rootfs.tar", "deb http://m/debian bookworm main"]
