"""Which target a connection reaches, and when: retry, balance, health, limits, idle."""

from __future__ import annotations

import socket
import threading
import time

from netplugins.forwarder.api import write_targets
from test_forwarder_support import (  # noqa: F401  (fixtures)
    LOOPBACK, TIMEOUT, ambassador, backends, connect, echo, forwarder, free_port, recv_all,
    recv_exactly, turned_away,
)


def greeter(name: bytes):
    """A backend handler that says its name first, then echoes."""

    def handler(conn, backend):
        conn.sendall(name)
        echo(conn, backend)

    return handler


def first_word(port: int) -> bytes:
    with connect(port) as client:
        return recv_exactly(client, 2)


def ping(client: socket.socket, payload: bytes = b"ping") -> bytes:
    client.sendall(payload)
    return recv_exactly(client, len(payload))


def test_a_target_restarted_mid_test_is_reached_again_through_retry(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("db", f"tcp://{LOOPBACK}:{port}", backend.target(), retry=5))
    with connect(port) as client:
        assert ping(client) == b"ping"
    backend.close()
    restarted = threading.Timer(0.5, lambda: backends(echo, port=backend.port))
    restarted.start()
    try:
        with connect(port) as client:  # held by the forwarder until the target is back
            assert ping(client) == b"ping"
    finally:
        restarted.join(TIMEOUT)
    stats = fwd.wait_stats("db", lambda s: s["total"] == 2 and s["active"] == 0, "both connections to end")
    assert stats["connect_failures"] >= 1
    assert stats["targets"][0]["up"] is True
    assert "down" in fwd.log() and "up" in fwd.log()


def test_a_client_that_connects_before_its_backend_exists_is_served_within_retry(forwarder, backends):
    backend_port, port = free_port(), free_port()
    forwarder(ambassador("late", f"tcp://{LOOPBACK}:{port}", f"tcp://{LOOPBACK}:{backend_port}", retry=5))
    starter = threading.Timer(0.5, lambda: backends(echo, port=backend_port))
    with connect(port) as client:
        client.sendall(b"early bird")
        starter.start()
        assert recv_exactly(client, 10) == b"early bird"
    starter.join(TIMEOUT)


def test_without_retry_a_missing_backend_resets_the_client(forwarder):
    port = free_port()
    fwd = forwarder(ambassador("none", f"tcp://{LOOPBACK}:{port}", f"tcp://{LOOPBACK}:{free_port()}"))
    assert turned_away(port)
    fwd.wait_stats("none", lambda s: s["unavailable"] == 1 and s["connect_failures"] == 1, "the failure to be counted")


def test_a_target_that_never_answers_times_out_and_the_next_one_is_tried(forwarder, backends):
    silent = socket.socket()  # a listener whose queue is full drops SYNs: connects hang
    silent.bind((LOOPBACK, 0))
    silent.listen(0)
    fillers = [socket.socket() for _ in range(3)]
    try:
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(silent.getsockname())
        time.sleep(0.1)
        good = backends(echo)
        port = free_port()
        targets = [f"tcp://{LOOPBACK}:{silent.getsockname()[1]}", good.target()]
        fwd = forwarder(ambassador("slow", f"tcp://{LOOPBACK}:{port}", targets, connect_timeout=0.2))
        for _ in range(2):  # whichever is tried first, each connection ends up at the good one
            with connect(port) as client:
                assert ping(client) == b"ping"
        stats = fwd.wait_stats("slow", lambda s: s["connect_failures"] >= 1 and s["active"] == 0, "a timeout")
        assert stats["targets"][0]["last_error"] == "connect timed out after 0.2s"
    finally:
        for sock in [silent, *fillers]:
            sock.close()


def test_round_robin_spreads_30_connections_evenly_over_3_backends(forwarder, backends):
    names = [b"b1", b"b2", b"b3"]
    targets = [backends(greeter(name)).target() for name in names]
    port = free_port()
    forwarder(ambassador("rr", f"tcp://{LOOPBACK}:{port}", targets, balance="round-robin"))
    seen = [first_word(port) for _ in range(30)]
    assert {name: seen.count(name) for name in names} == {name: 10 for name in names}


def test_least_connections_picks_the_target_with_fewest_open(forwarder, backends):
    names = [b"b1", b"b2", b"b3"]
    targets = [backends(greeter(name)).target() for name in names]
    port = free_port()
    fwd = forwarder(ambassador("lc", f"tcp://{LOOPBACK}:{port}", targets, balance="least-connections"))
    held = [connect(port) for _ in range(3)]
    try:
        landed = [recv_exactly(client, 2) for client in held]
        assert sorted(landed) == names  # one each
        held[1].close()
        fwd.wait_stats("lc", lambda s: s["active"] == 2, "the closed connection to end")
        extra = connect(port)
        held.append(extra)
        assert recv_exactly(extra, 2) == landed[1]  # the freed target, whatever round-robin would say
        assert ping(extra) == b"ping"
    finally:
        for client in held:
            client.close()


def test_healthy_targets_first_and_live_updates_of_the_targets_file(forwarder, backends, tmp_path):
    b1, b2 = backends(greeter(b"b1")), backends(greeter(b"b2"))
    targets_file = tmp_path / "targets.json"
    write_targets(str(targets_file), [(LOOPBACK, b1.port, False), (LOOPBACK, b2.port, True)])
    port = free_port()
    fwd = forwarder(ambassador("svc", f"tcp://{LOOPBACK}:{port}", targets_file, retry=2))
    assert [first_word(port) for _ in range(5)] == [b"b2"] * 5
    b2.close()  # the healthy one is gone: the unhealthy one is better than nothing
    assert first_word(port) == b"b1"
    write_targets(str(targets_file), [(LOOPBACK, b2.port, True)])
    b2_again = backends(greeter(b"B2"), port=b2.port)
    assert [first_word(port) for _ in range(3)] == [b"B2"] * 3
    write_targets(str(targets_file), [(LOOPBACK, b1.port, True)])
    assert first_word(port) == b"b1"
    stats = fwd.wait_stats("svc", lambda s: s["total"] == 10 and s["active"] == 0, "connections to end")
    assert [t["address"] for t in stats["targets"]] == [f"tcp://{LOOPBACK}:{b1.port}"]
    assert b2_again.accepted == 3


def test_max_connections_refuses_the_one_too_many(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("cap", f"tcp://{LOOPBACK}:{port}", backend.target(), max_connections=2))
    first, second = connect(port), connect(port)
    try:
        assert ping(first) == b"ping" and ping(second) == b"ping"
        assert turned_away(port)
        fwd.wait_stats("cap", lambda s: s["refused"] == 1, "the refusal to be counted")
        first.close()
        fwd.wait_stats("cap", lambda s: s["active"] == 1, "a slot to free up")
        with connect(port) as fourth:
            assert ping(fourth) == b"ping"
    finally:
        first.close()
        second.close()


def test_idle_timeout_closes_quiet_connections_only(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("idle", f"tcp://{LOOPBACK}:{port}", backend.target(), idle_timeout=0.3))
    with connect(port) as busy:
        for _ in range(6):  # active for twice the timeout
            assert ping(busy) == b"ping"
            time.sleep(0.1)
        assert recv_all(busy) == b""  # then quiet: the forwarder closes it
    stats = fwd.wait_stats("idle", lambda s: s["active"] == 0, "the connection to end")
    assert stats["idle_closed"] == 1
