"""The probe schedule (fast start, then Docker's rules), combined records, log matching, probe checks."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from composer.shim.config import Readiness, ShimConfig
from composer.shim.schedule import ProbeClock, combined
from composer.shim.readiness import LineMatcher, check_http, check_tcp
from composer.shim.state import HealthRecord, HealthResult


def failures_until(clock: ProbeClock, end: float, took: float = 0.01) -> list[float]:
    """Fail every probe as it comes due until `end`; the times the probes started."""
    starts = []
    while clock.next_run is not None and clock.next_run < end:
        start = clock.next_run
        starts.append(round(start, 3))
        clock.result(False, start, start + took)
    return starts


def test_fast_start_probes_at_once_then_doubles_up_to_the_first_interval():
    clock = ProbeClock(interval=1.0, retries=1, start_period=0.0)
    clock.start(100.0)
    assert clock.next_run == 100.0
    starts = failures_until(clock, 101.0)
    assert starts == [100.0, 100.06, 100.17, 100.38, 100.79]
    # none of those counted, and the next probe is Docker's first one, one interval after the start
    assert (clock.record.status, clock.record.failing_streak, clock.next_run) == ("starting", 0, 101.0)
    clock.result(False, 101.0, 101.01)  # Docker's rules from here: with retries 1, unhealthy at once
    assert (clock.record.status, clock.record.failing_streak) == ("unhealthy", 1)
    assert clock.next_run == pytest.approx(102.01)


def test_a_success_ends_the_fast_start_and_the_interval_rules():
    clock = ProbeClock(interval=2.0, retries=3, start_period=0.0)
    clock.start(0.0)
    clock.result(False, 0.0, 0.01)
    clock.result(True, 0.06, 0.07)
    assert (clock.record.status, clock.next_run) == ("healthy", pytest.approx(2.07))
    for n in (1, 2):
        clock.result(False, clock.next_run, clock.next_run + 0.01)
        assert (clock.record.status, clock.record.failing_streak) == ("healthy", n)
    clock.result(False, clock.next_run, clock.next_run + 0.01)
    assert (clock.record.status, clock.record.failing_streak) == ("unhealthy", 3)
    clock.result(True, clock.next_run, clock.next_run + 0.01)
    assert (clock.record.status, clock.record.failing_streak) == ("healthy", 0)


def test_start_period_still_forgives_failures_after_the_fast_start():
    clock = ProbeClock(interval=0.5, retries=1, start_period=10.0)
    clock.start(0.0)
    failures_until(clock, 9.0)
    assert (clock.record.status, clock.record.failing_streak) == ("starting", 0)
    failures_until(clock, 11.0)
    assert clock.record.status == "unhealthy"


def test_a_restart_starts_over_and_a_stop_stops():
    clock = ProbeClock(interval=1.0, retries=1, start_period=0.0)
    clock.start(0.0)
    clock.result(True, 0.0, 0.01)
    clock.stop()
    assert clock.next_run is None and not clock.due(1e9)
    clock.start(50.0)
    assert (clock.record.status, clock.next_run, clock.due(50.0)) == ("starting", 50.0, True)


def result(end: str, code: int) -> HealthResult:
    return HealthResult(end, end, code, "")


def test_combined_record_needs_every_check_healthy():
    healthy = HealthRecord("healthy", 0, [result("2024-01-01T00:00:01Z", 0)])
    starting = HealthRecord("starting", 0, [result("2024-01-01T00:00:02Z", 1)])
    unhealthy = HealthRecord("unhealthy", 3, [result(f"2024-01-01T00:00:0{n}Z", 1) for n in range(3, 8)])
    assert combined([healthy]) is healthy
    assert combined([healthy, starting]).status == "starting"
    both = combined([unhealthy, healthy])
    assert (both.status, both.failing_streak) == ("unhealthy", 3)
    assert [r.end for r in both.log] == [f"2024-01-01T00:00:0{n}Z" for n in range(3, 8)]  # the latest five


def test_line_matcher_matches_across_reads_and_streams_once():
    matcher = LineMatcher(r"ready to accept \d+")
    assert not matcher.feed("stdout", b"ready to accept")  # not listening before the container starts
    matcher.reset()
    assert not matcher.feed("stdout", b"booting\nready to ")
    assert not matcher.feed("stderr", b"accept 5 is on another stream\n")
    assert matcher.feed("stdout", b"accept 5 connections\r\nmore\n")
    assert not matcher.feed("stdout", b"ready to accept 6\n")  # matched once: no more work
    matcher.reset()
    assert matcher.feed("stderr", b"$ ready to accept 7")  # an unfinished line counts too


def test_shim_config_carries_readiness_through_json():
    cfg = ShimConfig("n", "p", "s", "/d", "/runc", "/root", "/cg", readiness=Readiness("http", "http://127.0.0.1:1/", 0.5, 2, 4, 0))
    assert ShimConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(ValueError, match="is not one of tcp, http, log"):
        Readiness("udp", "1")
    with pytest.raises(ValueError, match="retries >= 1"):
        Readiness("tcp", "127.0.0.1:1", retries=0)


@pytest.fixture
def http_server():
    """A one-thread loopback server answering every request with the status its path names."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                request = conn.recv(4096).decode()
                if not request:  # a tcp check: connected, then gone
                    continue
                status = request.split()[1].strip("/") or "200"
                conn.sendall(f"HTTP/1.0 {status} X\r\nContent-Length: 0\r\n\r\n".encode())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    server.close()


def test_http_check_passes_on_2xx_and_3xx_only(http_server):
    deadline = lambda: time.monotonic() + 5  # noqa: E731
    assert check_http(f"http://localhost:{http_server}/200", deadline()) == (True, f"GET http://localhost:{http_server}/200: HTTP/1.0 200 X")
    assert check_http(f"http://127.0.0.1:{http_server}/302", deadline())[0]
    assert not check_http(f"http://127.0.0.1:{http_server}/404", deadline())[0]
    assert not check_http(f"http://127.0.0.1:{http_server}/500", deadline())[0]


def test_tcp_check_needs_a_listener(http_server):
    assert check_tcp(f"127.0.0.1:{http_server}", time.monotonic() + 5)[0]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ConnectionRefusedError):
        check_tcp(f"127.0.0.1:{port}", time.monotonic() + 5)
