"""composer's host-path file logs for a container on a Docker engine: a small detached process
reads the engine's log stream and hands it to composer's own file writer (composer/logs).

    python -m composer.drivers.docker.log_pump ENGINE_HOST CONTAINER_ID CONFIG_JSON

Standard library only (no `docker` package: ~12 MB RSS rather than ~35), talking HTTP to the
engine's unix socket or tcp address. Memory stays bounded whatever the volume: one frame
(one log line, which the engine caps at 16 KiB) is held at a time and the writer flushes as
it goes. The stream ends when the container stops; the pump then polls once a second and
resumes after the last line it wrote (the engine keeps its own small `local` log meanwhile,
so nothing is lost across a restart); it exits when the container is removed.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import sys
import time
import urllib.parse

from composer.logs import LogConfig, LogTarget, open_writer

POLL_SECONDS = 1.0
STREAMS = {1: "stdout", 2: "stderr"}


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=None)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def connection(host: str) -> http.client.HTTPConnection:
    parsed = urllib.parse.urlparse(host)
    if parsed.scheme == "unix":
        return UnixConnection(parsed.path)
    if parsed.scheme in ("tcp", "http"):
        return http.client.HTTPConnection(parsed.hostname, parsed.port or 2375, timeout=None)
    raise SystemExit(f"log pump: engine address {host} is not unix:// or tcp://")


def get(host: str, path: str) -> http.client.HTTPResponse:
    conn = connection(host)
    conn.request("GET", path)
    return conn.getresponse()


def state(host: str, container: str) -> dict | None:
    """The container's State, or None once it is removed."""
    response = get(host, f"/containers/{container}/json")
    body = response.read()
    if response.status == 404:
        return None
    return json.loads(body).get("State") or {}


def frames(response: http.client.HTTPResponse):
    """(stream, payload) of the engine's multiplexed stream: an 8-byte header, then the payload."""
    while True:
        header = response.read(8)
        if len(header) < 8:
            return
        kind, size = header[0], struct.unpack(">I", header[4:])[0]
        payload = response.read(size)
        if len(payload) < size:
            return
        yield STREAMS.get(kind, "stdout"), payload


def pump(host: str, container: str, writer, stopped=lambda: False) -> None:
    since = "0"
    last = -1  # the last written line's time (ns): lines re-sent after a resume are skipped
    while not stopped():
        current = state(host, container)
        if current is None:
            return
        if current.get("Running") or current.get("Restarting") or since == "0":
            query = urllib.parse.urlencode({"follow": 1, "stdout": 1, "stderr": 1, "timestamps": 1, "since": since})
            response = get(host, f"/containers/{container}/logs?{query}")
            if response.status != 200:
                return
            for stream, payload in frames(response):
                stamp, _, text = payload.partition(b" ")
                when = time_ns(stamp)
                if when <= last:
                    continue
                last = when
                writer.write(stream, text)
            since = f"{last // 1_000_000_000}.{last % 1_000_000_000:09d}" if last >= 0 else since
            response.close()
        time.sleep(POLL_SECONDS)


def time_ns(stamp: bytes) -> int:
    """The engine's RFC 3339 UTC timestamp (up to nanoseconds, "Z") in integer nanoseconds."""
    from datetime import datetime, timezone

    text = stamp.decode(errors="replace").rstrip("Z")
    head, _, fraction = text.partition(".")
    try:
        seconds = int(datetime.fromisoformat(head).replace(tzinfo=timezone.utc).timestamp())
        return seconds * 1_000_000_000 + int(fraction[:9].ljust(9, "0") or 0)
    except ValueError:
        return 0


def main(argv: list[str]) -> int:
    host, container, config_text = argv
    config = json.loads(config_text)
    target = LogTarget(config["project"], config["service"], config["name"], config["default_dir"])
    writer = open_writer(LogConfig(config["driver"], config["options"]), target)
    try:
        pump(host, container, writer)
    finally:
        writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
