"""Named network namespaces for containers, as `ip netns` makes them: /run/netns/<name>.

A namespace is kept alive by a bind mount of a throwaway thread's netns on
/run/netns/<name>: the thread unshares, mounts and hands back a netlink socket inside
(nsthread.py; no fork).
create and delete are idempotent: a half-made entry (file without mount, left by a
crash) is finished or removed. Loopback is brought up at creation.
"""

from __future__ import annotations

import os
from pathlib import Path

from .api import ErrorCode, PluginError
from .names import is_plain_name
from .netlink import open_netlink

NETNS_DIR = Path("/run/netns")


def netns_path(name: str) -> Path:
    if not is_plain_name(name):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"{name!r} cannot name a network namespace",
                          "use letters, digits, '_', '.' and '-'")
    return NETNS_DIR / name


def exists(name: str) -> bool:
    """True when /run/netns/<name> is a live namespace (a mount, not just a file)."""
    return str(netns_path(name)) in _mountpoints()


def create(name: str) -> Path:
    """Make the namespace (lo up) unless it exists; returns its path."""
    path = netns_path(name)
    if exists(name):
        return path
    path.unlink(missing_ok=True)  # a file without a mount: a crash mid-create
    try:
        with open_netlink(str(path), create=True) as ns:  # one thread: create, then talk to it
            ns.configure_link("lo", up=True)
    except PluginError as err:
        if err.code == ErrorCode.TRY_AGAIN_LATER and exists(name):
            return path  # another process made it meanwhile
        delete(name)
        raise
    return path


def delete(name: str) -> bool:
    """Remove the namespace; True if it existed. Its veths go with it."""
    path = netns_path(name)
    if not os.path.lexists(path):
        return False
    from .nsthread import unpin_netns

    try:
        unpin_netns(str(path))  # lazy umount, then unlink
    except FileNotFoundError:
        return False
    except OSError as err:
        raise PluginError(ErrorCode.IO_FAILURE, f"cannot remove network namespace {name}: {err}") from None
    return True


def list_names(prefix: str = "") -> list[str]:
    """Names under /run/netns starting with prefix (for callers' gc)."""
    try:
        return sorted(n for n in os.listdir(NETNS_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []


def _mountpoints() -> set[str]:
    with open("/proc/self/mountinfo") as handle:
        return {_unescape(line.split()[4]) for line in handle}


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes."""
    return field.encode().decode("unicode_escape") if "\\" in field else field
