"""Shared fixtures for the forwarder tests: a real forwarder subprocess and small backends.

Backends are real servers on 127.0.0.1 or unix sockets in tmp dirs, each in its own thread;
every one is closed, and every forwarder stopped (then killed), in a finalizer.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from netplugins.forwarder.api import read_stats, start_forwarder, stop_forwarder

LOOPBACK = "127.0.0.1"
TIMEOUT = 10.0  # no single wait in these tests lasts longer


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def connect(port: int | str, timeout: float = TIMEOUT) -> socket.socket:
    if isinstance(port, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(port)
        return sock
    sock = socket.create_connection((LOOPBACK, port), timeout=timeout)
    return sock


def turned_away(port: int) -> bool:
    """Connect and read: True if the connection was reset or closed, at connect or after."""
    try:
        with connect(port) as client:
            return client.recv(1) == b""
    except ConnectionResetError:
        return True


class Running:
    """A started forwarder: its process, files and /proc views."""

    def __init__(self, proc: subprocess.Popen, config_path: Path, stats_path: Path, log_path: Path) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.config_path = config_path
        self.stats_path = stats_path
        self.log_path = log_path

    def stats(self, ambassador: str | None = None) -> dict[str, Any]:
        data = read_stats(str(self.stats_path))
        return data.get("ambassadors", {}).get(ambassador, {}) if ambassador else data

    def wait_stats(self, ambassador: str, check: Callable[[dict], bool], what: str) -> dict[str, Any]:
        return wait_for(lambda: (lambda s: s if s and check(s) else None)(self.stats(ambassador)), what=what)

    def rss_kib(self) -> int:
        status = Path(f"/proc/{self.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1))

    def fd_count(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def rewrite(self, *ambassadors: dict, **top: Any) -> None:
        write_forwarder_config(self.config_path, self.stats_path, ambassadors, top)

    def reload(self) -> None:
        os.kill(self.pid, signal.SIGHUP)


def write_forwarder_config(path: Path, stats_path: Path, ambassadors: tuple[dict, ...], top: dict) -> None:
    config = {"stats": str(stats_path), "stats_interval": 0.1, "shutdown_grace": 1, "ambassadors": list(ambassadors), **top}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config))
    os.replace(tmp, path)


@pytest.fixture
def forwarder(tmp_path: Path):
    """start(*ambassadors, **top_level) → Running; stopped (and killed if need be) afterwards."""
    started: list[subprocess.Popen] = []

    def start(*ambassadors: dict, **top: Any) -> Running:
        config_path = tmp_path / f"forwarder{len(started)}.json"
        stats_path = tmp_path / f"stats{len(started)}.json"
        log_path = tmp_path / f"forwarder{len(started)}.log"
        write_forwarder_config(config_path, stats_path, ambassadors, top)
        proc = start_forwarder(str(config_path), log_path=str(log_path))
        started.append(proc)
        return Running(proc, config_path, stats_path, log_path)

    yield start
    for proc in started:
        stop_forwarder(proc, timeout=5)


class Backend:
    """A stream server in a thread; handler(conn, backend) runs in a thread per connection."""

    def __init__(self, handler: Callable[[socket.socket, "Backend"], None], port: int = 0, path: str = "") -> None:
        self.handler = handler
        self.path = path
        family = socket.AF_UNIX if path else socket.AF_INET
        self.listener = socket.socket(family, socket.SOCK_STREAM)
        if not path:
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(path or (LOOPBACK, port))
        self.listener.listen(1024)
        self.port = 0 if path else self.listener.getsockname()[1]
        self.accepted = 0
        self.results: list[Any] = []
        self.connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def target(self) -> str:
        return f"unix://{self.path}" if self.path else f"tcp://{LOOPBACK}:{self.port}"

    def _accept_loop(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.settimeout(TIMEOUT)
            with self._lock:
                self.accepted += 1
                self.connections.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self)
        except OSError as exc:
            self.results.append(exc)

    def close_listener(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self.listener.close()
        self._acceptor.join(TIMEOUT)
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)

    def close(self) -> None:
        self.close_listener()
        with self._lock:
            for conn in self.connections:
                conn.close()
        for thread in self._threads:
            thread.join(TIMEOUT)


def echo(conn: socket.socket, _backend: Backend) -> None:
    while data := conn.recv(65536):
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)


@pytest.fixture
def backends():
    """make(handler=echo, port=0, path="") → Backend; all closed afterwards."""
    made: list[Backend] = []

    def make(handler: Callable = echo, port: int = 0, path: str = "") -> Backend:
        backend = Backend(handler, port, path)
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.close()


class EchoLoop:
    """A selectors echo server for many concurrent connections in one thread."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((LOOPBACK, 0))
        self.listener.listen(4096)
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for key, _ in self.selector.select(0.05):
                if key.fileobj is self.listener:
                    self._accept()
                else:
                    self._echo(key.fileobj)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except BlockingIOError:
                return
            self.accepted += 1
            conn.setblocking(False)
            self.selector.register(conn, selectors.EVENT_READ)

    def _echo(self, conn: socket.socket) -> None:
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            conn.setblocking(True)  # small echoes: the send buffer has room
            conn.sendall(data)
            conn.setblocking(False)
        else:
            self.selector.unregister(conn)
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(TIMEOUT)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()


@pytest.fixture
def echo_loop():
    server = EchoLoop()
    yield server
    server.close()


def ambassador(name: str, listen: str, target: Any, **options: Any) -> dict[str, Any]:
    key = "targets_file" if isinstance(target, Path) else "target"
    return {"name": name, "listen": listen, key: str(target) if isinstance(target, Path) else target, **options}
