"""Datagram ambassadors (udp:// listeners): one session per client address.

A session owns a socket connected to one target, so the target's replies come back on it
and go out of the listening socket to that client. Sessions end after
udp_session_timeout without a datagram either way; at most udp_max_sessions exist, and
datagrams of new clients beyond that are dropped and counted as refused. UDP says
nothing about delivery, so a datagram that cannot be sent now is dropped and counted.
An ICMP "port unreachable" from the target marks it down and ends the session.
"""

from __future__ import annotations

import socket

from netplugins.forwarder.config import ForwarderError
from netplugins.forwarder.loop import EDGE_IN, Timer
from netplugins.forwarder.owner import Owner
from netplugins.forwarder.targets import Target

BATCH = 64  # datagrams per turn, then other sockets get theirs
MAX_DATAGRAM = 65535


class UdpListener:
    def __init__(self, amb: Owner) -> None:
        self.amb = amb
        self.sessions: dict[object, UdpSession] = {}
        self.buffer = bytearray(MAX_DATAGRAM)
        self.view = memoryview(self.buffer)
        self._closed = False
        endpoint = amb.config.listen
        self.sock = socket.socket(endpoint.family, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(endpoint.sockaddr)
        except OSError as exc:
            self.sock.close()
            raise ForwarderError(
                f"ambassador {amb.name}: cannot listen on {endpoint}: {exc.strerror}",
                "stop whatever holds that address, or change the ambassador's listen",
            ) from None
        amb.loop.watch(self.sock.fileno(), self._on_event, EDGE_IN)

    def _on_event(self, _mask: int) -> None:
        self._receive_batch()

    def _receive_batch(self) -> None:
        if self._closed:
            return
        for _ in range(BATCH):
            try:
                size, client = self.sock.recvfrom_into(self.buffer)
            except BlockingIOError:
                return
            except OSError:
                continue
            session = self.sessions.get(client) or self._new_session(client)
            if session is not None:
                session.send(self.view[:size])
        self.amb.loop.call_soon(self._receive_batch)

    def _new_session(self, client: object) -> UdpSession | None:
        amb = self.amb
        if len(self.sessions) >= amb.config.udp_max_sessions:
            amb.stats.refused += 1
            message = f"{amb.config.udp_max_sessions} udp sessions open; dropping datagrams of new clients"
            amb.log.event(amb.name, message, kind=f"refused:{amb.name}")
            return None
        amb.pool.refresh()
        target = amb.pool.pick()
        if target is None:
            amb.stats.unavailable += 1
            amb.log.event(amb.name, "no target to send datagrams to", kind=f"unavailable:{amb.name}")
            return None
        try:
            session = UdpSession(self, client, target)
        except OSError as exc:
            amb.stats.connect_failures += 1
            amb.pool.mark_down(target, exc.strerror or str(exc))
            return None
        self.sessions[client] = session
        amb.stats.total += 1
        amb.stats.active += 1
        amb.changed()
        return session

    def reply(self, data: memoryview, client: object) -> None:
        try:
            self.sock.sendto(data, client)
        except OSError:  # a full send buffer or a vanished client: UDP may drop
            self.amb.stats.dropped += 1
            return
        self.amb.stats.bytes_out += len(data)

    def session_closed(self, session: UdpSession) -> None:
        if self.sessions.get(session.client) is session:
            del self.sessions[session.client]
            self.amb.stats.active -= 1
            self.amb.changed()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for session in list(self.sessions.values()):
            session.close()
        self.amb.loop.close_listener(self.sock)


class UdpSession:
    __slots__ = ("listener", "amb", "client", "target", "sock", "last_active", "timer", "closed")

    def __init__(self, listener: UdpListener, client: object, target: Target) -> None:
        self.listener = listener
        self.amb = listener.amb
        self.client = client
        self.target = target
        self.closed = False
        self.sock = socket.socket(target.family, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        try:
            self.sock.connect(target.sockaddr)
        except OSError:
            self.sock.close()
            raise
        loop = self.amb.loop
        loop.watch(self.sock.fileno(), self._on_event, EDGE_IN)
        self.last_active = loop.now
        self.timer: Timer | None = loop.call_later(self.amb.config.udp_session_timeout, self._check_idle)
        target.active += 1
        target.connections += 1

    def send(self, data: memoryview) -> None:
        self.last_active = self.amb.loop.now
        try:
            self.sock.send(data)
        except ConnectionRefusedError:  # an ICMP port unreachable from an earlier datagram
            self._target_refused()
            self.amb.stats.dropped += 1
        except OSError:
            self.amb.stats.dropped += 1
        else:
            self.amb.stats.bytes_in += len(data)

    def _on_event(self, _mask: int) -> None:
        self._receive_batch()

    def _receive_batch(self) -> None:
        if self.closed:
            return
        listener = self.listener
        for _ in range(BATCH):
            try:
                size = self.sock.recv_into(listener.buffer)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                self._target_refused()
                return
            except OSError:
                continue
            self.last_active = self.amb.loop.now
            self.amb.pool.mark_up(self.target)
            listener.reply(listener.view[:size], self.client)
        self.amb.loop.call_soon(self._receive_batch)

    def _target_refused(self) -> None:
        """Nothing listens there: end the session, so the client's next datagram picks anew."""
        self.amb.stats.connect_failures += 1
        self.amb.pool.mark_down(self.target, "port unreachable")
        self.close()

    def _check_idle(self) -> None:
        timeout = self.amb.config.udp_session_timeout
        now = self.amb.loop.now
        if now - self.last_active < timeout:
            self.timer = self.amb.loop.call_at(self.last_active + timeout, self._check_idle)
            return
        self.timer = None
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.amb.loop.cancel(self.timer)
        self.timer = None
        self.target.active -= 1
        self.amb.loop.close_socket(self.sock)
        self.listener.session_closed(self)
