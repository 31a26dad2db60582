"""Stream ambassadors (tcp:// and unix:// listeners): accept, connect to a target, forward.

A connection first finds a target: non-blocking connect with connect_timeout, each
target once per round (healthy first), then backoff and another round until `retry`
has passed; the client is held meanwhile and its bytes wait in its socket. Then two
Flows move bytes until both directions have passed EOF. A reset on one side resets the
other (SO_LINGER 0), so the peer sees what happened instead of a clean end.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import struct

from netplugins.forwarder.config import ForwarderError
from netplugins.forwarder.flow import Flow, NoPipe, PeerError
from netplugins.forwarder.loop import EDGE_IN, EPOLLERR, EPOLLHUP, EPOLLIN, EPOLLOUT, Timer
from netplugins.forwarder.owner import Owner
from netplugins.forwarder.targets import Target

CONNECTING, FORWARDING, CLOSED = 0, 1, 2
FIRST_BACKOFF, MAX_BACKOFF = 0.02, 0.5
ACCEPT_BATCH = 64
ACCEPT_PAUSE = 0.1  # after EMFILE and friends: let connections close first
BACKLOG = 4096
LINGER_RESET = struct.pack("ii", 1, 0)
READ_EVENTS = EPOLLIN | EPOLLHUP | EPOLLERR
NO_RESOURCES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


class Connection:
    __slots__ = (
        "amb", "loop", "client", "client_fd", "upstream", "upstream_fd", "target", "tried",
        "up", "down", "state", "timer", "deadline", "backoff", "last_active", "deferred",
    )

    def __init__(self, amb: Owner, client: socket.socket) -> None:
        self.amb = amb
        self.loop = amb.loop
        self.client = client
        self.client_fd = client.fileno()
        self.upstream: socket.socket | None = None
        self.upstream_fd = -1
        self.target: Target | None = None
        self.tried: list[Target] = []
        self.up = Flow()  # client → target
        self.down = Flow()  # target → client
        self.up.other, self.down.other = self.down, self.up
        self.state = CONNECTING
        self.timer: Timer | None = None
        self.deadline = self.loop.now + amb.config.retry
        self.backoff = FIRST_BACKOFF
        self.last_active = self.loop.now
        self.deferred = False

    def start(self) -> None:
        self.loop.watch(self.client_fd, self.on_client)
        self.amb.pool.refresh()
        self._attempt()

    # -- events -------------------------------------------------------------------------

    def on_client(self, mask: int) -> None:
        if mask & READ_EVENTS:
            self.up.readable = True
        if mask & EPOLLOUT:
            self.down.writable = True
        if mask & EPOLLERR and self._socket_failed(self.client):
            return
        if self.state == FORWARDING:
            self.pump()

    def on_upstream(self, mask: int) -> None:
        if self.state == CONNECTING:
            self._connect_finished(mask)
            return
        if mask & READ_EVENTS:
            self.down.readable = True
        if mask & EPOLLOUT:
            self.up.writable = True
        if mask & EPOLLERR and self._socket_failed(self.upstream):
            return
        self.pump()

    def pump(self) -> None:
        self.deferred = False
        if self.state != FORWARDING:
            return
        up, down, stats = self.up, self.down, self.amb.stats
        try:
            if not up.done:
                moved = up.pump()
                if moved:
                    stats.bytes_in += moved
                    self.last_active = self.loop.now
            if not down.done:
                moved = down.pump()
                if moved:
                    stats.bytes_out += moved
                    self.last_active = self.loop.now
        except PeerError as exc:
            self._reset(client_failed=exc.fd == self.client_fd)
            return
        except NoPipe as exc:
            self.amb.log.event(self.amb.name, f"dropping a connection: cannot create a pipe: {exc}", kind=f"pipe:{self.amb.name}")
            self.amb.stats.resets += 1
            self._close(reset_client=True, reset_upstream=True)
            return
        if up.done and down.done:
            self._close()
        elif (up.more or down.more) and not self.deferred:
            self.deferred = True
            self.loop.call_soon(self.pump)

    def _socket_failed(self, sock: socket.socket) -> bool:
        """EPOLLERR: a reset or timeout on sock ends the connection (the other side gets RST)."""
        if not sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            return False
        if self.state == CONNECTING:  # the client gave up while we looked for a target
            self._close(reset_client=True)
        else:
            self._reset(client_failed=sock is self.client)
        return True

    # -- finding a target ---------------------------------------------------------------

    def _attempt(self) -> None:
        self.timer = None
        while self.state == CONNECTING:
            target = self.amb.pool.pick(self.tried)
            if target is None:
                self._wait_for_targets()
                return
            self.tried.append(target)
            if self._connect(target):
                return

    def _connect(self, target: Target) -> bool:
        """Start connecting; False if it failed at once (the caller tries the next target)."""
        try:
            sock = socket.socket(target.family, socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        except OSError as exc:
            self._give_up(f"cannot create a socket: {exc.strerror}")
            return True
        if target.family != socket.AF_UNIX:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = sock.connect_ex(target.sockaddr)
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            self._target_failed(target, os.strerror(err))
            return False
        self.upstream, self.upstream_fd, self.target = sock, sock.fileno(), target
        self.loop.watch(self.upstream_fd, self.on_upstream)
        if err == 0:
            self._established()
        else:
            self.timer = self.loop.call_later(self.amb.config.connect_timeout, self._connect_timed_out)
        return True

    def _connect_finished(self, mask: int) -> None:
        if mask & (EPOLLERR | EPOLLHUP):
            err = self.upstream.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            self._connect_failed(os.strerror(err or errno.ECONNREFUSED))
            return
        if not mask & EPOLLOUT:
            return  # not connected yet
        self.loop.cancel(self.timer)
        self.timer = None
        if mask & READ_EVENTS:
            self.down.readable = True
        self._established()

    def _connect_timed_out(self) -> None:
        self.timer = None
        self._connect_failed(f"connect timed out after {self.amb.config.connect_timeout:g}s")

    def _connect_failed(self, error: str) -> None:
        self.loop.cancel(self.timer)
        self.loop.close_socket(self.upstream)
        self.upstream, self.upstream_fd = None, -1
        self._target_failed(self.target, error)
        self.target = None
        self._attempt()

    def _target_failed(self, target: Target, error: str) -> None:
        self.amb.stats.connect_failures += 1
        self.amb.pool.mark_down(target, error)
        self.amb.changed()

    def _wait_for_targets(self) -> None:
        """Every target refused this round: back off and try again until `retry` ran out."""
        now = self.loop.now
        if now >= self.deadline:
            tried = ", ".join(t.label for t in self.tried) or "no targets"
            self._give_up(f"no target accepted within {self.amb.config.retry:g}s (tried {tried})")
            return
        delay = min(self.backoff, self.deadline - now)
        self.backoff = min(self.backoff * 2, MAX_BACKOFF)
        self.tried = []
        self.timer = self.loop.call_later(delay, self._retry)

    def _retry(self) -> None:
        self.amb.pool.refresh()
        self._attempt()

    def _give_up(self, reason: str) -> None:
        self.amb.stats.unavailable += 1
        self.amb.log.event(self.amb.name, f"dropping a client: {reason}", kind=f"unavailable:{self.amb.name}")
        self._close(reset_client=True)

    def _established(self) -> None:
        target, amb = self.target, self.amb
        amb.pool.mark_up(target)
        target.active += 1
        target.connections += 1
        self.up.attach(self.client_fd, self.upstream, amb.pipes)
        self.down.attach(self.upstream_fd, self.client, amb.pipes)
        self.state = FORWARDING
        self.last_active = self.loop.now
        if amb.config.idle_timeout:
            self.timer = self.loop.call_later(amb.config.idle_timeout, self._check_idle)
        self.pump()

    # -- ending -------------------------------------------------------------------------

    def _check_idle(self) -> None:
        self.timer = None
        idle_timeout = self.amb.config.idle_timeout  # a reload may have changed it
        if not idle_timeout:
            return
        if self.loop.now - self.last_active < idle_timeout:
            self.timer = self.loop.call_at(self.last_active + idle_timeout, self._check_idle)
            return
        self.amb.stats.idle_closed += 1
        self._close()

    def _reset(self, client_failed: bool) -> None:
        self.amb.stats.resets += 1
        self._close(reset_client=not client_failed, reset_upstream=client_failed)

    def _close(self, reset_client: bool = False, reset_upstream: bool = False) -> None:
        if self.state == CLOSED:
            return
        was_forwarding = self.state == FORWARDING
        self.state = CLOSED
        self.loop.cancel(self.timer)
        self.timer = None
        for sock, reset in ((self.client, reset_client), (self.upstream, reset_upstream)):
            if sock is not None:
                if reset:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
                self.loop.close_socket(sock)
        for flow in (self.up, self.down):
            if flow.pipe is not None:
                flow.release_pipe()
            flow.other = None  # no reference cycle: freed at once, not by the garbage collector
        if was_forwarding:
            self.target.active -= 1
        self.amb.connection_closed(self)

    def close(self) -> None:
        """Shut down from outside (shutdown grace over, ambassador removed)."""
        self._close(reset_client=self.state == CONNECTING)


class StreamListener:
    """A listening tcp or unix socket that hands accepted clients to its ambassador."""

    def __init__(self, amb: Owner) -> None:
        self.amb = amb
        endpoint = amb.config.listen
        self._unix_path = ""
        self._unix_inode = 0
        self._closed = False
        self.sock = socket.socket(endpoint.family, socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        try:
            if endpoint.scheme == "unix":
                self._bind_unix(endpoint.path, amb.config.socket_mode)
            else:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                # accepted sockets inherit it: one setsockopt per listener, not per client
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.sock.bind(endpoint.sockaddr)
            self.sock.listen(BACKLOG)
        except OSError as exc:
            self.sock.close()
            if self._unix_path:
                os.unlink(self._unix_path)
            raise ForwarderError(
                f"ambassador {amb.name}: cannot listen on {endpoint}: {exc.strerror}",
                "stop whatever holds that address, or change the ambassador's listen",
            ) from None
        amb.loop.watch(self.sock.fileno(), self._on_event, EDGE_IN)

    def _bind_unix(self, path: str, mode: int | None) -> None:
        try:
            if stat.S_ISSOCK(os.lstat(path).st_mode):
                os.unlink(path)  # left by an earlier run; a live owner would be a conflict we cannot see
        except FileNotFoundError:
            pass
        self.sock.bind(path)
        self._unix_path, self._unix_inode = path, os.lstat(path).st_ino
        if mode is not None:
            os.chmod(path, mode)

    def _on_event(self, _mask: int) -> None:
        self._accept_batch()

    def _accept_batch(self) -> None:
        if self._closed:
            return
        for _ in range(ACCEPT_BATCH):
            try:
                client, _addr = self.sock.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in NO_RESOURCES:
                    self.amb.log.event(self.amb.name, f"cannot accept: {exc.strerror}; pausing", kind=f"accept:{self.amb.name}")
                    self.amb.loop.call_later(ACCEPT_PAUSE, self._accept_batch)
                    return
                continue  # the client went away before we took it
            self.amb.accepted(client)
        self.amb.loop.call_soon(self._accept_batch)  # more may be queued: take them next turn

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.amb.loop.close_listener(self.sock)
        if self._unix_path:
            try:
                if os.lstat(self._unix_path).st_ino == self._unix_inode:  # still ours, not a successor's
                    os.unlink(self._unix_path)
            except OSError:
                pass
