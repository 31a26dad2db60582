"""The HTTP JSON API (standard library http.server, one thread per request).

    GET  /                      what this is, its limits and endpoints
    GET  /health                200 when both databases answer, else 503
    GET  /queries?limit=N       the most recent queries, newest first
    POST /queries               {"sql": "SELECT …"} (or the SQL as text/plain) → 202 {"id", "status"}
    GET  /queries/{id}?wait=S   status: queued | running | done | failed, rows, elapsed, error;
                                with wait, holds the answer up to S seconds until the query ends
    GET  /queries/{id}/results  {"columns", "rows", "truncated"} once done (409 before, 410 if pruned)
"""

from __future__ import annotations

import json
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from firethorn.sqlguard import RejectedQuery

MAX_BODY = 128 * 1024
ROUTES = (
    ("GET", re.compile(r"/"), "about"),
    ("GET", re.compile(r"/health"), "health"),
    ("GET", re.compile(r"/queries"), "recent"),
    ("POST", re.compile(r"/queries"), "submit"),
    ("GET", re.compile(r"/queries/(\d+)"), "status"),
    ("GET", re.compile(r"/queries/(\d+)/results"), "results"),
)


class ApiError(Exception):
    def __init__(self, http_status: HTTPStatus, message: str, **extra: object) -> None:
        super().__init__(message)
        self.status, self.body = http_status, {"error": message, **extra}


def route(method: str, path: str) -> tuple[str, tuple[str, ...]]:
    """The handler name and path arguments for a request, or ApiError 404/405."""
    allowed = []
    for route_method, pattern, name in ROUTES:
        match = pattern.fullmatch(path.rstrip("/") or "/")
        if match is not None:
            if route_method == method:
                return name, match.groups()
            allowed.append(route_method)
    if allowed:
        raise ApiError(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed on {path}; use {', '.join(allowed)}")
    raise ApiError(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}; GET / lists them")


def number_parameter(query: dict[str, list[str]], name: str, default: float, low: float, high: float) -> float:
    values = query.get(name)
    if not values:
        return default
    try:
        value = float(values[-1])
    except ValueError:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"parameter {name}={values[-1]!r} is not a number") from None
    return min(max(value, low), high)


def submitted_sql(content_type: str, body: bytes) -> str:
    """The SQL of a POST /queries body: JSON {"sql": …} or the text itself."""
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(HTTPStatus.BAD_REQUEST, "the request body is not UTF-8") from None
    if kind == "text/plain":
        return text
    if kind not in ("application/json", ""):
        raise ApiError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"send application/json ({{\"sql\": …}}) or text/plain, not {kind}")
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the request body is not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("sql"), str):
        raise ApiError(HTTPStatus.BAD_REQUEST, 'the request body must be {"sql": "SELECT …"}')
    return document["sql"]


class Handler(BaseHTTPRequestHandler):
    server_version = "firethorn"
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.path == "/health" and str(code) == "200":
            return  # the health check every few seconds would bury the log lines that matter
        super().log_request(code, size)

    def log_message(self, format: str, *args: object) -> None:
        print(f"{self.address_string()} {format % args}", file=sys.stderr, flush=True)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        try:
            name, arguments = route(method, url.path)
            status, body = getattr(self, f"_{name}")(*arguments, query=parse_qs(url.query))
        except ApiError as error:
            status, body = error.status, error.body
        except Exception as exc:  # a database fault: say so, keep serving
            self.log_error("%s %s failed: %r", method, self.path, exc)
            status, body = HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"the service cannot answer now: {type(exc).__name__}: {exc}"}
        self._send(status, body if isinstance(body, bytes) else json.dumps(body).encode())

    def _send(self, status: HTTPStatus, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if status >= 400:  # a refused request body may be unread: do not parse it as the next request
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)

    @property
    def service(self):
        return self.server.service  # type: ignore[attr-defined]

    def _about(self, query) -> tuple[HTTPStatus, dict]:
        return HTTPStatus.OK, self.service.about()

    def _health(self, query) -> tuple[HTTPStatus, dict]:
        healthy, report = self.service.health()
        return (HTTPStatus.OK if healthy else HTTPStatus.SERVICE_UNAVAILABLE), report

    def _recent(self, query) -> tuple[HTTPStatus, list]:
        return HTTPStatus.OK, self.service.recent(int(number_parameter(query, "limit", 20, 1, 1000)))

    def _submit(self, query) -> tuple[HTTPStatus, dict]:
        sql = submitted_sql(self.headers.get("Content-Type", ""), self._body())
        try:
            queued = self.service.submit(sql)
        except RejectedQuery as rejected:
            raise ApiError(HTTPStatus.BAD_REQUEST, str(rejected)) from None
        links = {"status": f"/queries/{queued['id']}", "results": f"/queries/{queued['id']}/results"}
        return HTTPStatus.ACCEPTED, {**queued, "links": links}

    def _status(self, query_id: str, query) -> tuple[HTTPStatus, dict]:
        status = self.service.status(int(query_id), number_parameter(query, "wait", 0, 0, 60))
        if status is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no query {query_id}")
        return HTTPStatus.OK, status

    def _results(self, query_id: str, query) -> tuple[HTTPStatus, bytes]:
        stored = self.service.results(int(query_id))
        if stored is None:
            raise ApiError(HTTPStatus.NOT_FOUND, f"no query {query_id}")
        if stored.status == "failed":
            raise ApiError(HTTPStatus.CONFLICT, f"query {query_id} failed: {stored.error}", status="failed")
        if stored.status != "done":
            raise ApiError(HTTPStatus.CONFLICT, f"query {query_id} is {stored.status}; its results are not ready", status=stored.status)
        if stored.rows_json is None:
            raise ApiError(HTTPStatus.GONE, f"the results of query {query_id} were pruned (only the most recent are kept); submit it again")
        # the stored JSON is passed on as it is: 10,000 rows are not parsed and encoded again
        head = json.dumps({"id": int(query_id), "truncated": bool(stored.truncated)})[:-1]
        return HTTPStatus.OK, f'{head}, "columns": {stored.columns_json}, "rows": {stored.rows_json}}}'.encode()

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise ApiError(HTTPStatus.LENGTH_REQUIRED, "send the query with a Content-Length")
        if int(length) > MAX_BODY:
            raise ApiError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the request body is over {MAX_BODY} bytes")
        return self.rfile.read(int(length))


def make_server(service, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.service = service  # type: ignore[attr-defined]
    return server
