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
stale after a crash; the cost is an O(containers) rewrite per change, a few ms at 200
(parallel changes share one rewrite).
"""

from __future__ import annotations

import fcntl
import shutil
import threading
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from composer.atomic import write_atomically
from composer.drivers.runc import networks, records
from composer.drivers.runc.coalesce import Coalescer
from composer.runtime.securejoin import make_dirs_in_root

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
    etc = make_dirs_in_root(Path(rootfs), "/etc")  # never follows an image's /etc symlink out
    for name in LINKED:
        target = etc / name
        if target.is_symlink() or target.exists():
            if target.is_dir() and not target.is_symlink():
                continue  # an image with a directory there: leave it alone
            target.unlink()
        target.symlink_to(f"{MOUNT_POINT}/{name}")


def forget(project_name: str, container: str) -> None:
    with _project_lock(project_name):  # not while refresh writes into it
        shutil.rmtree(files_dir(project_name, container), ignore_errors=True)


def refresh(project_name: str) -> None:
    """Bring every hosts file of the project up to date with the attachment records; concurrent
    calls in this process share one rewrite that starts after them (coalesce.py)."""
    with _coalescers_lock:
        coalescer = _coalescers.setdefault(project_name, Coalescer(lambda: _rewrite(project_name)))
    coalescer()


def write_own(project_name: str, container: str) -> None:
    """Just this container's hosts file, now (before it starts); the others follow via refresh_soon."""
    with _project_lock(project_name):
        everyone = networks.endpoints(project_name)
        mine = {container}
        text = hosts_texts(everyone, _links_of(project_name, mine), only=mine).get(container)
        if text is not None:
            _write_if_changed(files_dir(project_name, container) / "hosts", text)


def refresh_soon(project_name: str) -> None:
    """refresh() in the background: a new container need not wait for every other file to be
    rewritten. The thread is not a daemon, so the process never exits with files stale."""
    thread = threading.Thread(target=refresh, args=(project_name,), name=f"hosts-{project_name}")
    with _coalescers_lock:
        _pending.setdefault(project_name, []).append(thread)
    thread.start()


def flush(project_name: str) -> None:
    """Wait for the background refreshes asked for so far."""
    with _coalescers_lock:
        threads = _pending.pop(project_name, [])
    for thread in threads:
        thread.join()


_coalescers: dict[str, Coalescer] = {}
_pending: dict[str, list[threading.Thread]] = {}
_coalescers_lock = threading.Lock()


def _rewrite(project_name: str) -> None:
    with _project_lock(project_name):  # other processes (a parallel `compose run`) write here too
        everyone = networks.endpoints(project_name)
        for container, text in hosts_texts(everyone, _links_of(project_name, {e.owner for e in everyone})).items():
            directory = files_dir(project_name, container)
            if directory.is_dir():
                _write_if_changed(directory / "hosts", text)


@contextmanager
def _project_lock(project_name: str):
    lock_path = records.project_dir(project_name) / "etc.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def hosts_texts(everyone: list, links: dict[str, dict[str, str]], only: set[str] | None = None) -> dict[str, str]:
    """Container → its hosts file: itself first, then what it can reach, network by network
    (for the containers in `only`, when given)."""
    by_network, by_owner = defaultdict(list), defaultdict(list)
    for endpoint in everyone:
        by_network[endpoint.network].append(endpoint)
        by_owner[endpoint.owner].append(endpoint)
    texts = {}
    for container in sorted(by_owner if only is None else by_owner.keys() & only):
        mine = by_owner[container]
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
                if other.service == service and other.by_service and other.network in shared and alias != service:
                    lines.append(f"{other.ip}\t{alias}\n")
        texts[container] = "".join(dict.fromkeys(lines))
    return texts


def _names(endpoint) -> list[str]:
    service = [endpoint.service] if endpoint.by_service else []
    return list(dict.fromkeys([endpoint.owner, *service, *endpoint.aliases]))


def _links_of(project_name: str, containers: set[str]) -> dict[str, dict[str, str]]:
    found = {}
    for container in containers:
        record = networks.load_record(project_name, container) or {}
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


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    _write(path, text)
