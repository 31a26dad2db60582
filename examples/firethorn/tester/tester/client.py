"""The other route: the firethorn HTTP API, with urllib."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from tester.compare import Result

LONG_POLL_SECONDS = 10


class ApiFailed(Exception):
    """The service answered with an error (or not at all); `status` is the HTTP status, 0 for none."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class Api:
    def __init__(self, base_url: str, request_timeout: float = 30.0) -> None:
        self.base_url, self.request_timeout = base_url.rstrip("/"), request_timeout

    def submit(self, sql: str) -> int:
        return int(self._call("POST", "/queries", {"sql": sql})["id"])

    def wait(self, query_id: int, timeout: float) -> dict:
        """The query's status once it is done or failed; ApiFailed after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            status = self._call("GET", f"/queries/{query_id}?wait={LONG_POLL_SECONDS}")
            if status["status"] in ("done", "failed"):
                return status
            if time.monotonic() > deadline:
                raise ApiFailed(f"query {query_id} still {status['status']} after {timeout:g} s")

    def results(self, query_id: int) -> Result:
        body = self._call("GET", f"/queries/{query_id}/results")
        return Result(body["columns"], body["rows"], body["truncated"])

    def healthy(self) -> bool:
        try:
            self._call("GET", "/health")
            return True
        except ApiFailed:
            return False

    def _call(self, method: str, path: str, document: dict | None = None):
        data = None if document is None else json.dumps(document).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.request_timeout + LONG_POLL_SECONDS) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            raise ApiFailed(_error_text(exc), exc.code) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise ApiFailed(f"{method} {path}: {getattr(exc, 'reason', exc)}") from None


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        return json.load(exc)["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {exc.code} {exc.reason}"
