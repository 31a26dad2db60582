"""Kernel pipes that carry spliced bytes between two sockets, reused between connections.

A pipe is the only buffer a direction of a connection has: splice moves bytes from the
source socket into it and from it into the destination socket, never through Python.
Creating (and resizing) a pipe costs syscalls, so empty pipes go back to a bounded pool.
"""

from __future__ import annotations

import fcntl
import os

DEFAULT_SIZE = 65536  # what a new pipe has on Linux with 4 KiB pages
KEEP = 64  # empty pipes kept for reuse (two per connection); more would idle in kernel memory


class PipePool:
    def __init__(self, size: int) -> None:
        self.size = size
        self._free: list[tuple[int, int]] = []

    def acquire(self) -> tuple[int, int]:
        """(read_fd, write_fd), non-blocking; may raise OSError (EMFILE)."""
        if self._free:
            return self._free.pop()
        read_fd, write_fd = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.size != DEFAULT_SIZE:
            try:
                fcntl.fcntl(write_fd, fcntl.F_SETPIPE_SZ, self.size)
            except OSError:
                pass  # over the per-user pipe quota: the default size still works
        return read_fd, write_fd

    def release(self, pipe: tuple[int, int], empty: bool) -> None:
        """Keep an empty pipe for the next connection; close one that still holds bytes."""
        if empty and len(self._free) < KEEP:
            self._free.append(pipe)
        else:
            os.close(pipe[0])
            os.close(pipe[1])

    def resize(self, size: int) -> None:
        """New pipes get `size`; pooled ones are dropped (pipes in use keep theirs)."""
        if size != self.size:
            self.size = size
            self.close()

    def close(self) -> None:
        for read_fd, write_fd in self._free:
            os.close(read_fd)
            os.close(write_fd)
        self._free.clear()
