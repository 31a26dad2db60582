"""One direction of a proxied stream connection: source socket → pipe → destination socket.

Bytes move with splice(2), socket to pipe and pipe to socket, never through Python.
The pipe is the only buffer: once it is full the source is not read, so a direction never
holds more than one pipe's worth and a slow reader stops the writer (backpressure) instead
of growing a buffer. An EAGAIN from the source while the pipe holds bytes may mean the pipe
is full, so the source counts as readable until an EAGAIN with an empty pipe.

A direction borrows a pipe from the pool only while bytes are in flight and gives it back
once it is empty, so an idle connection holds two fds, not six.

EOF from the source becomes shutdown(SHUT_WR) on the destination once the pipe drained
(or the close of both, if the other direction has ended already).
"""

from __future__ import annotations

import os
import socket

from netplugins.forwarder.pipes import PipePool

SPLICE = os.splice
SPLICE_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK
ROUNDS = 8  # fill+drain cycles per turn; then other connections get theirs


class PeerError(Exception):
    """A socket of this direction failed (reset, broken pipe, timeout): fd says which one."""

    def __init__(self, fd: int, error: OSError) -> None:
        super().__init__(error.strerror)
        self.fd = fd
        self.error = error


class NoPipe(Exception):
    """No pipe could be made (out of fds): the connection cannot go on."""


class Flow:
    __slots__ = (
        "src_fd", "dst", "dst_fd", "pipes", "pipe", "pipe_r", "pipe_w", "capacity",
        "pending", "readable", "writable", "eof", "done", "more", "other",
    )

    def __init__(self) -> None:
        self.src_fd = -1
        self.dst: socket.socket | None = None
        self.dst_fd = -1
        self.pipes: PipePool | None = None
        self.pipe: tuple[int, int] | None = None  # borrowed while bytes are in flight
        self.pipe_r = self.pipe_w = -1
        self.capacity = 0
        self.pending = 0  # bytes in the pipe
        self.readable = False  # the source may have bytes (set by events, cleared by EAGAIN)
        self.writable = True  # the destination may take bytes
        self.eof = False  # the source said EOF
        self.done = False  # EOF passed on: the destination's write side is shut
        self.more = False  # stopped after ROUNDS with work left
        self.other: Flow | None = None  # the opposite direction

    def attach(self, src_fd: int, dst: socket.socket, pipes: PipePool) -> None:
        self.src_fd = src_fd
        self.dst = dst
        self.dst_fd = dst.fileno()
        self.pipes = pipes
        self.capacity = pipes.size

    def pump(self) -> int:
        """Move what the sockets allow now; return the bytes delivered.

        Raises PeerError (a socket failed) or NoPipe."""
        try:
            return self._move()
        finally:
            if not self.pending and self.pipe is not None:
                self.release_pipe()

    def _move(self) -> int:
        moved = 0
        self.more = False
        for _ in range(ROUNDS):
            progress = False
            if self.readable and self.pending < self.capacity and not self.eof:
                if self.pipe is None:
                    self._borrow_pipe()
                try:
                    got = SPLICE(self.src_fd, self.pipe_w, self.capacity - self.pending, None, None, SPLICE_FLAGS)
                except BlockingIOError:
                    if not self.pending:  # with bytes in the pipe, a full pipe may be the reason
                        self.readable = False
                except OSError as exc:
                    raise PeerError(self.src_fd, exc) from None
                else:
                    if got:
                        self.pending += got
                        progress = True
                    else:
                        self.eof = True
            if self.pending and self.writable:
                try:
                    sent = SPLICE(self.pipe_r, self.dst_fd, self.pending, None, None, SPLICE_FLAGS)
                except BlockingIOError:
                    self.writable = False
                except OSError as exc:
                    raise PeerError(self.dst_fd, exc) from None
                else:
                    self.pending -= sent
                    moved += sent
                    progress = True
            if self.eof and not self.pending:
                self._pass_eof()
                return moved
            if not progress:
                return moved
        self.more = True
        return moved

    def _borrow_pipe(self) -> None:
        try:
            self.pipe = self.pipes.acquire()
        except OSError as exc:
            raise NoPipe(exc.strerror) from None
        self.pipe_r, self.pipe_w = self.pipe
        self.capacity = self.pipes.size

    def release_pipe(self) -> None:
        """Give the pipe back (closed instead if it still holds bytes)."""
        self.pipes.release(self.pipe, empty=not self.pending)
        self.pipe = None
        self.pipe_r = self.pipe_w = -1

    def _pass_eof(self) -> None:
        self.done = True
        if self.other.done:
            return  # both directions ended: the close that follows sends the FIN
        try:
            self.dst.shutdown(socket.SHUT_WR)
        except OSError as exc:
            raise PeerError(self.dst_fd, exc) from None
