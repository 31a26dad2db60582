"""Socket options the forwarder's latency depends on, checked on its own sockets in-process.

The engine runs in this process on a real EventLoop, with real loopback sockets, so the
test can look at the accepted client socket: TCP_NODELAY comes from the listener (Linux
copies it into accepted sockets), not from a setsockopt per client.
"""

from __future__ import annotations

import io
import socket
import time

import pytest

from netplugins.forwarder.config import parse_config
from netplugins.forwarder.engine import Engine
from netplugins.forwarder.loop import EventLoop
from netplugins.forwarder.stats import EventLog
from netplugins.forwarder.tcp import FORWARDING

from tests.integration.test_forwarder_support import LOOPBACK, TIMEOUT, free_port


@pytest.fixture
def engine_and_backend():
    backend = socket.create_server((LOOPBACK, 0))
    listen_port = free_port()
    config = parse_config({"ambassadors": [{
        "name": "sockopts", "listen": f"tcp://{LOOPBACK}:{listen_port}",
        "target": f"tcp://{LOOPBACK}:{backend.getsockname()[1]}",
    }]})
    errors: list[BaseException] = []
    loop = EventLoop(on_error=errors.append)
    engine = Engine(loop, EventLog(io.StringIO()), config)
    assert engine.apply(config) == []
    yield loop, engine, listen_port, backend, errors
    engine.close(write_stats=False)
    loop.close()
    backend.close()


def turn(loop: EventLoop) -> None:
    """One loop iteration that cannot block for long: a timer bounds the epoll wait."""
    timer = loop.call_later(0.05, lambda: None)
    loop.run_once()
    loop.cancel(timer)


def test_both_legs_of_a_tcp_connection_have_nodelay(engine_and_backend):
    loop, engine, listen_port, backend, errors = engine_and_backend
    connections = engine.ambassadors["sockopts"].connections
    deadline = time.monotonic() + TIMEOUT
    with socket.create_connection((LOOPBACK, listen_port), timeout=TIMEOUT) as client:
        while not any(c.state == FORWARDING for c in connections) and time.monotonic() < deadline:
            turn(loop)
        (connection,) = connections
        assert connection.state == FORWARDING
        for sock in (connection.client, connection.upstream):
            assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        client.sendall(b"ping")
        accepted, _ = backend.accept()
        with accepted:
            received = b""
            while len(received) < 4 and time.monotonic() < deadline:
                turn(loop)
                try:
                    received += accepted.recv(4, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    pass
            assert received == b"ping"
    assert errors == []
