"""Name resolution without a daemon: per-container hosts files, replaced atomically.

Each container's /etc/hosts, /etc/resolv.conf and /etc/hostname are symlinks into a
directory bind-mounted read-only at /etc/.composer-net, whose files composer rewrites
with write-then-rename whenever a container or ambassador of the project joins or leaves
a network. A rename swaps the directory entry, so a reader sees the old file or the new
one, never half of one, and sees the change at once (a bind-mounted *file* would pin the
old inode). A container resolves, on each network it shares with them: service names
(every replica), container names, aliases, its link aliases and ambassador names; other
names go to the host's resolvers (those a container can reach: not 127.x).

Why not a DNS server: no process to supervise, no port 53 on the host, nothing to be
stale after a crash; the cost is an O(containers) rewrite per change, a few ms at 200.
"""

from __future__ import annotations

import fcntl
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from composer import networking, records
from composer.atomic import write_atomically

MOUNT_POINT = "/etc/.composer-net"
LINKED = ("hosts", "resolv.conf", "hostname")
HOST_RESOLV = "/etc/resolv.conf"

LOCAL = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"


def files_dir(project_name: str, container: str) -> Path:
    return records.project_dir(project_name) / "etc" / container


def prepare(project_name: str, container: str, hostname: str) -> str:
    """Make the container's directory (hosts with itself only, resolv.conf, hostname); its path."""
    directory = files_dir(project_name, container)
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / "hostname", hostname + "\n")
    _write(directory / "resolv.conf", container_resolv_conf())
    if not (directory / "hosts").exists():
        _write(directory / "hosts", LOCAL)
    return str(directory)


def link_into_rootfs(rootfs: Path) -> None:
    """Point the rootfs's /etc files at the mounted directory (before the container starts)."""
    from composer.runtime.securejoin import make_dirs_in_root

    etc = make_dirs_in_root(Path(rootfs), "/etc")  # never follows an image's /etc symlink out
    for name in LINKED:
        target = etc / name
        if target.is_symlink() or target.exists():
            if target.is_dir() and not target.is_symlink():
                continue  # an image with a directory there: leave it alone
            target.unlink()
        target.symlink_to(f"{MOUNT_POINT}/{name}")


def forget(project_name: str, container: str) -> None:
    import shutil

    with _project_lock(project_name):  # not while refresh writes into it
        shutil.rmtree(files_dir(project_name, container), ignore_errors=True)


def refresh(project_name: str) -> None:
    """Rewrite every hosts file of the project from the attachment records (under a lock)."""
    with _project_lock(project_name):
        everyone = networking.endpoints(project_name)
        for container, text in hosts_texts(everyone, _links_of(project_name, everyone)).items():
            directory = files_dir(project_name, container)
            if directory.is_dir():
                _write(directory / "hosts", text)


@contextmanager
def _project_lock(project_name: str):
    lock_path = records.project_dir(project_name) / "etc.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def hosts_texts(everyone: list, links: dict[str, dict[str, str]]) -> dict[str, str]:
    """Container → its hosts file: itself first, then what it can reach, network by network."""
    by_network = defaultdict(list)
    for endpoint in everyone:
        by_network[endpoint.network].append(endpoint)
    texts = {}
    for container in sorted({e.owner for e in everyone}):
        mine = [e for e in everyone if e.owner == container]
        lines = [LOCAL]
        for own in mine:
            lines.append(f"{own.ip}\t{' '.join(_names(own))}\n")
        for own in mine:
            for other in by_network[own.network]:
                if other.owner != container:
                    lines.append(f"{other.ip}\t{' '.join(_names(other))}\n")
        for alias, service in links.get(container, {}).items():
            shared = {e.network for e in mine}
            for other in everyone:
                if other.service == service and other.network in shared and alias != service:
                    lines.append(f"{other.ip}\t{alias}\n")
        texts[container] = "".join(dict.fromkeys(lines))
    return texts


def _names(endpoint) -> list[str]:
    return list(dict.fromkeys([endpoint.owner, endpoint.service, *endpoint.aliases]))


def _links_of(project_name: str, everyone: list) -> dict[str, dict[str, str]]:
    found = {}
    for container in {e.owner for e in everyone}:
        record = networking.load_record(project_name, container) or {}
        found[container] = record.get("links", {})
    return found


def container_resolv_conf(host_file: str = HOST_RESOLV) -> str:
    """The host's resolv.conf without loopback nameservers (unreachable from a container)."""
    try:
        lines = Path(host_file).read_text().splitlines()
    except OSError:
        lines = []
    kept = [line for line in lines if not (line.split()[:1] == ["nameserver"] and line.split()[1:2] and line.split()[1].startswith(("127.", "::1")))]
    return "\n".join(kept) + "\n"


def _write(path: Path, text: str) -> None:
    write_atomically(path, text, mode=0o644)
