"""Many connections: no fd leak over thousands in a row, and a thousand at once all served."""

from __future__ import annotations

import json
import resource
import subprocess
import time

import pytest

from netplugins.forwarder.api import forwarder_command
from test_forwarder_support import (  # noqa: F401  (fixtures)
    LOOPBACK, TIMEOUT, ambassador, connect, echo_loop, forwarder, free_port, recv_exactly, turned_away,
    wait_for,
)


@pytest.fixture
def open_files_for(request):
    """Raise this process's fd limit for the test (client + backend sides), restore it after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 8192)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def exchange(port: int, payload: bytes) -> bytes:
    with connect(port) as client:
        client.sendall(payload)
        return recv_exactly(client, len(payload))


def test_fd_count_is_stable_over_5000_sequential_connections(forwarder, echo_loop):
    port = free_port()
    fwd = forwarder(ambassador("seq", f"tcp://{LOOPBACK}:{port}", f"tcp://{LOOPBACK}:{echo_loop.port}"))
    for _ in range(20):  # warm up: pooled pipes exist before the count
        exchange(port, b"warm")
    fwd.wait_stats("seq", lambda s: s["active"] == 0 and s["total"] == 20, "the warm-up to end")
    fds_before = fwd.fd_count()
    deadline = time.monotonic() + 30
    done = 0
    while done < 5000 and time.monotonic() < deadline:
        assert exchange(port, b"x%d" % done) == b"x%d" % done
        done += 1
    assert done == 5000
    fwd.wait_stats("seq", lambda s: s["active"] == 0 and s["total"] == 5020, "all connections to end")
    assert fwd.fd_count() - fds_before <= 4, "the forwarder leaks fds"


def test_failed_connections_leak_nothing(forwarder):
    port = free_port()
    fwd = forwarder(ambassador("dead", f"tcp://{LOOPBACK}:{port}", f"tcp://{LOOPBACK}:{free_port()}"))
    fds_before = fwd.fd_count()
    for _ in range(500):
        assert turned_away(port)
    fwd.wait_stats("dead", lambda s: s["unavailable"] == 500 and s["active"] == 0, "all 500 to fail")
    assert fwd.fd_count() == fds_before


def test_a_thousand_concurrent_connections_are_all_served(forwarder, echo_loop, open_files_for):
    port = free_port()
    fwd = forwarder(ambassador("many", f"tcp://{LOOPBACK}:{port}", f"tcp://{LOOPBACK}:{echo_loop.port}"))
    clients = []
    try:
        for i in range(1000):
            clients.append(connect(port))
        for i, client in enumerate(clients):
            client.sendall(b"hello %04d" % i)
        replies = [recv_exactly(client, 10) for client in clients]
        assert replies == [b"hello %04d" % i for i in range(1000)]
        stats = fwd.wait_stats("many", lambda s: s["active"] == 1000, "1000 open connections")
        assert stats["total"] == 1000 and echo_loop.accepted == 1000
    finally:
        for client in clients:
            client.close()
    fwd.wait_stats("many", lambda s: s["active"] == 0, "all connections to end")


def test_running_out_of_fds_degrades_and_recovers(echo_loop, tmp_path):
    port = free_port()
    config = tmp_path / "tight.json"
    log_path = tmp_path / "tight.log"
    config.write_text(json.dumps({"stats": str(tmp_path / "s.json"), "ambassadors": [
        ambassador("tight", f"tcp://{LOOPBACK}:{port}", f"tcp://{LOOPBACK}:{echo_loop.port}")]}))
    limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))  # noqa: E731
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(forwarder_command(str(config)), stdout=log, stderr=log, preexec_fn=limit)
    clients = []
    try:
        wait_for(lambda: b"serving" in log_path.read_bytes(), what="the forwarder to start")
        for i in range(30):  # needs more fds than 40: some clients are dropped, the rest wait
            clients.append(connect(port))
            clients[-1].sendall(b"%02d" % i)
        wait_for(lambda: b"Too many open files" in log_path.read_bytes(), what="the shortage to be logged")
        for client in clients:
            client.close()
        assert wait_for(lambda: exchange_or_none(port) == b"after", what="a connection to work again")
        assert proc.poll() is None
    finally:
        for client in clients:
            client.close()
        proc.terminate()
        proc.wait(TIMEOUT)


def exchange_or_none(port: int) -> bytes | None:
    try:
        return exchange(port, b"after")
    except ConnectionResetError:
        return None
