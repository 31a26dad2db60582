"""The forwarder as a process: reload on SIGHUP, clean exit on SIGTERM, one-line errors, UDP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from netplugins.forwarder.api import forwarder_command, start_forwarder, stop_forwarder
from netplugins.forwarder.config import ForwarderError
from test_forwarder_support import (  # noqa: F401  (fixtures)
    LOOPBACK, TIMEOUT, ambassador, backends, connect, echo, forwarder, free_port, recv_all,
    recv_exactly, wait_for,
)


def ping(client: socket.socket) -> bytes:
    client.sendall(b"ping")
    return recv_exactly(client, 4)


def refuses(port: int) -> bool:
    try:
        connect(port).close()
    except ConnectionRefusedError:
        return True
    except ConnectionResetError:
        pass  # queued as the listener closed: the next try is refused
    return False


def test_sighup_adds_and_removes_ambassadors_and_keeps_open_connections(forwarder, backends):
    backend = backends(echo)
    port_a, port_b = free_port(), free_port()
    a = ambassador("a", f"tcp://{LOOPBACK}:{port_a}", backend.target())
    fwd = forwarder(a)
    with connect(port_a) as held:
        assert ping(held) == b"ping"
        fwd.rewrite({**a, "idle_timeout": 60}, ambassador("b", f"tcp://{LOOPBACK}:{port_b}", backend.target()))
        fwd.reload()
        fwd.wait_stats("b", lambda s: True, "ambassador b to appear")
        with connect(port_b) as client:
            assert ping(client) == b"ping"
        assert ping(held) == b"ping"  # a's settings changed, its listener and connection did not
        fwd.rewrite(a)
        fwd.reload()
        wait_for(lambda: refuses(port_b), what="ambassador b to go")
        assert ping(held) == b"ping"
        with connect(port_a) as client:
            assert ping(client) == b"ping"
    assert "reloaded" in fwd.log()


def test_a_renamed_ambassador_rebinds_its_address_at_once(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("old", f"tcp://{LOOPBACK}:{port}", backend.target()))
    fwd.rewrite(ambassador("new", f"tcp://{LOOPBACK}:{port}", backend.target()))
    fwd.reload()
    fwd.wait_stats("new", lambda s: True, "the renamed ambassador")
    assert "reload:" not in fwd.log()  # no "cannot listen" error
    with connect(port) as client:
        assert ping(client) == b"ping"


def test_a_bad_config_on_reload_keeps_the_running_one(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("a", f"tcp://{LOOPBACK}:{port}", backend.target()))
    fwd.config_path.write_text('{"ambassadors": [{"name": "a"}]}')
    fwd.reload()
    wait_for(lambda: "reload failed" in fwd.log(), what="the reload error in the log")
    assert "ambassadors[0].listen" in fwd.log()
    with connect(port) as client:
        assert ping(client) == b"ping"


def test_sigterm_stops_listening_lets_connections_finish_and_writes_stats(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("a", f"tcp://{LOOPBACK}:{port}", backend.target()), shutdown_grace=5)
    with connect(port) as held:
        assert ping(held) == b"ping"
        fwd.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "stopping: listeners closed, 1 open connections get 5s" in fwd.log(), what="the stop to begin")
        assert refuses(port)
        assert ping(held) == b"ping"  # within the grace, open connections still work
    assert fwd.proc.wait(TIMEOUT) == 0
    stats = fwd.stats("a")
    assert (stats["total"], stats["active"], stats["bytes_in"], stats["bytes_out"]) == (1, 0, 8, 8)
    assert "stopped" in fwd.log()


def test_sigterm_closes_connections_still_open_after_the_grace(forwarder, backends):
    backend = backends(echo)
    port = free_port()
    fwd = forwarder(ambassador("a", f"tcp://{LOOPBACK}:{port}", backend.target()), shutdown_grace=0.2)
    with connect(port) as held:
        assert ping(held) == b"ping"
        fwd.proc.send_signal(signal.SIGTERM)
        assert recv_all(held) == b""
    assert fwd.proc.wait(TIMEOUT) == 0


@pytest.fixture
def netns():
    """A throwaway network namespace with loopback up; deleted afterwards."""
    name = f"fwtest-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        subprocess.run(["ip", "-n", name, "link", "set", "lo", "up"], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.mark.needs_root
def test_start_forwarder_in_a_network_namespace(netns, backends, tmp_path):
    backend = backends(echo, path=str(tmp_path / "backend.sock"))  # unix sockets cross namespaces
    port = free_port()
    config = tmp_path / "ns.json"
    config.write_text(json.dumps({"stats": str(tmp_path / "ns-stats.json"), "ambassadors": [
        ambassador("ns", f"tcp://{LOOPBACK}:{port}", backend.target())]}))
    proc = start_forwarder(str(config), netns=netns, log_path=str(tmp_path / "ns.log"))
    try:
        client = f"import socket; s = socket.create_connection(('{LOOPBACK}', {port}), 5); s.sendall(b'in ns'); print(s.recv(5).decode())"
        inside = subprocess.run(["nsenter", f"--net=/run/netns/{netns}", sys.executable, "-c", client],
                                capture_output=True, text=True, timeout=TIMEOUT)
        assert inside.stdout.strip() == "in ns", inside.stderr
        assert refuses(port)  # nothing listens on the host's loopback
    finally:
        stop_forwarder(proc, timeout=5)


def run_forwarder(tmp_path, config: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    return subprocess.run(forwarder_command(str(path)), capture_output=True, text=True, timeout=TIMEOUT)


def test_a_bad_config_exits_1_with_one_line_naming_the_key(tmp_path):
    config = {"ambassadors": [{"name": "db", "listen": "tcp://:5432", "target": "tcp://db:5432"}]}
    result = run_forwarder(tmp_path, config)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "bad.json: ambassadors[0].target[0]: 'tcp://db:5432': 'db' is not an IP address" in lines[0]


def test_a_busy_port_exits_1_and_start_forwarder_says_why(tmp_path):
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = {"stats": str(tmp_path / "s.json"), "ambassadors": [
            {"name": "db", "listen": f"tcp://{LOOPBACK}:{port}", "target": f"tcp://{LOOPBACK}:1"}]}
        result = run_forwarder(tmp_path, config)
        assert result.returncode == 1
        assert f"ambassador db: cannot listen on tcp://{LOOPBACK}:{port}: Address already in use" in result.stderr
        with pytest.raises(ForwarderError, match="Address already in use"):
            start_forwarder(str(tmp_path / "bad.json"), log_path=str(tmp_path / "log"))


@pytest.fixture
def udp_echo():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((LOOPBACK, 0))
    sock.settimeout(0.05)
    peers: set = set()
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(65535)
            except TimeoutError:
                continue
            peers.add(peer)
            sock.sendto(data, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], peers
    stop.set()
    thread.join(TIMEOUT)
    sock.close()


def test_udp_sessions_echo_through_and_expire(forwarder, udp_echo):
    backend_port, peers = udp_echo
    port = free_port(socket.SOCK_DGRAM)
    fwd = forwarder(ambassador("dns", f"udp://{LOOPBACK}:{port}", f"udp://{LOOPBACK}:{backend_port}", udp_session_timeout=0.3))
    clients = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    try:
        for i, client in enumerate(clients):
            client.settimeout(TIMEOUT)
            for n in range(3):
                client.sendto(b"q%d-%d" % (i, n), (LOOPBACK, port))
                assert client.recvfrom(100)[0] == b"q%d-%d" % (i, n)
        assert len(peers) == 2  # one upstream socket per client
        fwd.wait_stats("dns", lambda s: s["total"] == 2, "two sessions")
        fwd.wait_stats("dns", lambda s: s["active"] == 0, "the sessions to expire")
        clients[0].sendto(b"again", (LOOPBACK, port))
        assert clients[0].recvfrom(100)[0] == b"again"
        stats = fwd.wait_stats("dns", lambda s: s["total"] == 3, "a new session")
        assert stats["bytes_in"] == stats["bytes_out"] == 6 * 4 + 5
    finally:
        for client in clients:
            client.close()


def test_udp_sessions_are_bounded(forwarder, udp_echo):
    backend_port, _peers = udp_echo
    port = free_port(socket.SOCK_DGRAM)
    fwd = forwarder(ambassador("dns", f"udp://{LOOPBACK}:{port}", f"udp://{LOOPBACK}:{backend_port}", udp_max_sessions=1))
    first, second = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    try:
        first.settimeout(TIMEOUT)
        first.sendto(b"one", (LOOPBACK, port))
        assert first.recvfrom(10)[0] == b"one"
        second.sendto(b"two", (LOOPBACK, port))
        stats = fwd.wait_stats("dns", lambda s: s["refused"] == 1, "the second client to be refused")
        assert stats["active"] == 1
        second.settimeout(0.2)
        with pytest.raises(TimeoutError):
            second.recvfrom(10)
    finally:
        first.close()
        second.close()


def ask(port: int, payload: bytes, tries: int, wait: float = 0.2) -> int:
    """Send from a new client until a reply comes, as a resolver would; the tries it took."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(wait)
        for attempt in range(1, tries + 1):
            client.sendto(payload, (LOOPBACK, port))
            try:
                assert client.recvfrom(100)[0] == payload
                return attempt
            except TimeoutError:
                continue
    raise AssertionError(f"no reply after {tries} tries")


def test_udp_moves_off_a_target_that_answers_port_unreachable(forwarder, udp_echo):
    backend_port, _peers = udp_echo
    port = free_port(socket.SOCK_DGRAM)
    dead = f"udp://{LOOPBACK}:{free_port(socket.SOCK_DGRAM)}"
    fwd = forwarder(ambassador("dns", f"udp://{LOOPBACK}:{port}", [dead, f"udp://{LOOPBACK}:{backend_port}"]))
    for _ in range(10):  # round-robin sends some new client to the dead target soon
        ask(port, b"query", tries=5)
        if fwd.stats("dns")["targets"][0]["up"] is False:
            break
    fwd.wait_stats("dns", lambda s: s["targets"][0]["up"] is False, "the dead target to be marked down")
    assert [ask(port, b"again", tries=2, wait=2) for _ in range(3)] == [1, 1, 1]  # then sessions avoid it
