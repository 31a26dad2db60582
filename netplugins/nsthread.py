"""Sockets inside other network namespaces, made without forking.

A netlink socket stays in the namespace it was created in, so to talk to a container's
netns we only need to create the socket there. Forking a child to do it (pyroute2's way)
costs 20-30 ms a socket in a large multi-threaded process; a fresh thread that enters the
namespace (setns and unshare change only the calling thread's network namespace), makes
the socket and ends costs about 1 ms. The thread is thrown away afterwards, so no thread
of ours ever runs on in a foreign namespace.
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
import threading
from collections.abc import Callable
from typing import TypeVar

CLONE_NEWNET = 0x40000000
MS_BIND = 0x1000
MS_REC = 0x4000
MS_SHARED = 1 << 20
MNT_DETACH = 2
NETLINK_ROUTE = 0

T = TypeVar("T")
_libc = ctypes.CDLL(None, use_errno=True)
_shared_dirs: set[str] = set()
_shared_lock = threading.Lock()


def netlink_socket_in(netns_path: str) -> socket.socket:
    """A NETLINK_ROUTE socket inside the existing netns at netns_path."""

    def enter_and_open() -> socket.socket:
        fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            _check(_libc.setns(fd, CLONE_NEWNET), f"entering {netns_path}")
        finally:
            os.close(fd)
        return _netlink_socket()

    return _in_fresh_thread(enter_and_open)


def create_netns(netns_path: str) -> socket.socket:
    """Make a new netns pinned at netns_path (as `ip netns add`); returns a netlink socket in it.

    The path must not exist yet (FileExistsError otherwise)."""
    _share_parent(os.path.dirname(netns_path))
    os.close(os.open(netns_path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0))

    def unshare_and_pin() -> socket.socket:
        _check(_libc.unshare(CLONE_NEWNET), "creating a network namespace")
        own = f"/proc/self/task/{threading.get_native_id()}/ns/net".encode()
        _check(_libc.mount(own, netns_path.encode(), b"none", MS_BIND, None), f"pinning {netns_path}")
        return _netlink_socket()

    return _in_fresh_thread(unshare_and_pin)


def unpin_netns(netns_path: str) -> None:
    """Undo create_netns: detach the pin (the namespace goes when its last user does), remove the file."""
    if _libc.umount2(netns_path.encode(), MNT_DETACH) != 0 and ctypes.get_errno() not in (errno.EINVAL, errno.ENOENT):
        _check(-1, f"unmounting {netns_path}")  # EINVAL: not a mount (a crash mid-create)
    os.unlink(netns_path)


def _share_parent(directory: str) -> None:
    """Make the netns directory a shared mount, as iproute2 does, so pins show in every mount ns."""
    with _shared_lock:
        if directory in _shared_dirs:
            return
        os.makedirs(directory, exist_ok=True)
        if _libc.mount(b"", directory.encode(), b"none", MS_SHARED | MS_REC, None) != 0:
            _check(_libc.mount(directory.encode(), directory.encode(), b"none", MS_BIND | MS_REC, None), f"mounting {directory}")
            _check(_libc.mount(b"", directory.encode(), b"none", MS_SHARED | MS_REC, None), f"sharing {directory}")
        _shared_dirs.add(directory)


def _netlink_socket() -> socket.socket:
    return socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC, NETLINK_ROUTE)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno() or errno.EIO
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _in_fresh_thread(work: Callable[[], T]) -> T:
    outcome: dict[str, object] = {}

    def body() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=body, name="netns-enter", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
