"""Bytes through a real forwarder process: integrity, half-close, backpressure, resets, unix."""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import struct
import threading
import time

from test_forwarder_support import (  # noqa: F401  (fixtures)
    LOOPBACK, TIMEOUT, ambassador, backends, connect, echo, forwarder, free_port, recv_all,
    recv_exactly, wait_for,
)

MB = 1 << 20


def sha256_until_eof(sock: socket.socket) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := sock.recv(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def send_then_shut(sock: socket.socket, data: bytes) -> None:
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)


def test_64_mb_each_way_arrive_intact(forwarder, backends):
    to_server, to_client = os.urandom(64 * MB), os.urandom(64 * MB)

    def both_ways(conn, backend):
        sender = threading.Thread(target=send_then_shut, args=(conn, to_client))
        sender.start()
        backend.results.append(sha256_until_eof(conn))
        sender.join(TIMEOUT)

    backend = backends(both_ways)
    port = free_port()
    fwd = forwarder(ambassador("bulk", f"tcp://{LOOPBACK}:{port}", backend.target()))
    with connect(port) as client:
        sender = threading.Thread(target=send_then_shut, args=(client, to_server))
        sender.start()
        received = sha256_until_eof(client)
        sender.join(TIMEOUT)
    assert received == (hashlib.sha256(to_client).hexdigest(), 64 * MB)
    wait_for(lambda: backend.results, what="the backend's digest")
    assert backend.results == [(hashlib.sha256(to_server).hexdigest(), 64 * MB)]
    stats = fwd.wait_stats("bulk", lambda s: s["active"] == 0, "the connection to end")
    assert (stats["bytes_in"], stats["bytes_out"], stats["total"]) == (64 * MB, 64 * MB, 1)


def test_half_close_lets_the_server_reply_after_eof(forwarder, backends):
    def reply_after_eof(conn, _backend):
        request = recv_all(conn)
        conn.sendall(b"got %d bytes" % len(request))
        conn.shutdown(socket.SHUT_WR)

    backend = backends(reply_after_eof)
    port = free_port()
    forwarder(ambassador("half", f"tcp://{LOOPBACK}:{port}", backend.target()))
    with connect(port) as client:
        client.sendall(b"q" * 300_000)
        client.shutdown(socket.SHUT_WR)
        assert recv_all(client) == b"got 300000 bytes"


def test_a_client_that_does_not_read_stops_the_server_without_growing_memory(forwarder, backends):
    stop_after = 200 * MB
    chunk = b"z" * (256 * 1024)

    def flood(conn, backend):
        conn.settimeout(0.5)  # a send blocked this long means the pressure came all the way back
        sent, deadline = 0, time.monotonic() + 5
        while sent < stop_after and time.monotonic() < deadline:
            try:
                sent += conn.send(chunk)
            except TimeoutError:
                break
        backend.results.append(sent)
        conn.shutdown(socket.SHUT_WR)

    backend = backends(flood)
    port = free_port()
    fwd = forwarder(ambassador("slow", f"tcp://{LOOPBACK}:{port}", backend.target()))
    with connect(port) as warmup:  # let lazily made objects exist before measuring
        warmup.close()
    wait_for(lambda: backend.results, what="the warm-up connection to end")
    backend.results.clear()
    rss_before = fwd.rss_kib()
    with connect(port, timeout=TIMEOUT) as client:
        wait_for(lambda: backend.results, what="the server to stall")
        sent = backend.results[0]
        rss_growth = fwd.rss_kib() - rss_before
        received = len(recv_all(client))
    assert sent < 64 * MB, "the server never felt the backpressure"
    assert rss_growth < 4 * 1024, f"forwarder RSS grew by {rss_growth} KiB"
    assert received == sent


def test_a_reset_from_the_server_resets_the_client(forwarder, backends):
    def reset_after_request(conn, _backend):
        conn.recv(100)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    backend = backends(reset_after_request)
    port = free_port()
    fwd = forwarder(ambassador("rst", f"tcp://{LOOPBACK}:{port}", backend.target()))
    with connect(port) as client:
        client.sendall(b"hello")
        try:
            data = client.recv(100)
        except ConnectionResetError:
            data = None
    assert data is None, f"expected a reset, got {data!r}"
    fwd.wait_stats("rst", lambda s: s["resets"] == 1, "the reset to be counted")


def test_a_reset_from_the_client_resets_the_server(forwarder, backends):
    def read_until_error(conn, backend):
        try:
            while conn.recv(100):
                pass
            backend.results.append("eof")
        except ConnectionResetError as exc:
            backend.results.append(exc)

    backend = backends(read_until_error)
    port = free_port()
    forwarder(ambassador("rst", f"tcp://{LOOPBACK}:{port}", backend.target()))
    client = connect(port)
    client.sendall(b"hello")
    wait_for(lambda: backend.accepted, what="the backend to accept")
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    wait_for(lambda: backend.results, what="the backend to see the end")
    assert isinstance(backend.results[0], ConnectionResetError)


def test_tcp_listener_forwards_to_a_unix_socket(forwarder, backends, tmp_path):
    backend = backends(echo, path=str(tmp_path / "backend.sock"))
    port = free_port()
    forwarder(ambassador("tounix", f"tcp://{LOOPBACK}:{port}", backend.target()))
    payload = os.urandom(3 * MB)
    with connect(port) as client:
        sender = threading.Thread(target=send_then_shut, args=(client, payload))
        sender.start()
        assert recv_exactly(client, len(payload)) == payload
        sender.join(TIMEOUT)


def test_unix_listener_with_mode_forwards_to_tcp(forwarder, backends, tmp_path):
    backend = backends(echo)
    path = tmp_path / "ambassador.sock"
    fwd = forwarder(ambassador("fromunix", f"unix://{path}", backend.target(), socket_mode="0600"))
    mode = os.stat(path).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    payload = os.urandom(3 * MB)
    with connect(str(path)) as client:
        sender = threading.Thread(target=send_then_shut, args=(client, payload))
        sender.start()
        assert recv_exactly(client, len(payload)) == payload
        sender.join(TIMEOUT)
    fwd.proc.terminate()
    fwd.proc.wait(TIMEOUT)
    assert not path.exists(), "the forwarder left its socket file behind"
