"""The HTTP layer over a real loopback socket, with an in-memory stand-in for the
databases (QueryService's methods, without PostgreSQL)."""

import http.client
import json
import threading
import unittest
from dataclasses import dataclass

from firethorn.api import ApiError, make_server, route, submitted_sql
from firethorn.sqlguard import checked_select


@dataclass
class Stored:
    status: str
    error: str | None
    columns_json: str | None
    rows_json: str | None
    truncated: bool | None


class InMemoryService:
    def __init__(self):
        self.queries: dict[int, str] = {}
        self.stored: dict[int, Stored] = {}
        self.healthy = True

    def about(self):
        return {"service": "firethorn"}

    def health(self):
        return self.healthy, {"status": "ok" if self.healthy else "unavailable"}

    def submit(self, sql):
        query_id = len(self.queries) + 1
        self.queries[query_id] = checked_select(sql)
        self.stored[query_id] = Stored("queued", None, None, None, None)
        return {"id": query_id, "status": "queued"}

    def status(self, query_id, wait=0.0):
        if query_id not in self.queries:
            return None
        return {"id": query_id, "sql": self.queries[query_id], "status": self.stored[query_id].status, "wait": wait}

    def results(self, query_id):
        return self.stored.get(query_id)

    def recent(self, limit):
        return [{"id": i} for i in sorted(self.queries, reverse=True)[:limit]]


class ApiTest(unittest.TestCase):
    def setUp(self):
        self.service = InMemoryService()
        self.server = make_server(self.service, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def call(self, method, path, body=None, content_type="application/json"):
        connection = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=5)
        try:
            headers = {} if body is None else {"Content-Type": content_type}
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def test_submit_then_status(self):
        status, body = self.call("POST", "/queries", json.dumps({"sql": "SELECT 1;"}))
        self.assertEqual(status, 202)
        self.assertEqual(body, {"id": 1, "status": "queued", "links": {"status": "/queries/1", "results": "/queries/1/results"}})
        status, body = self.call("GET", "/queries/1?wait=2.5")
        self.assertEqual((status, body["sql"], body["wait"]), (200, "SELECT 1", 2.5))

    def test_sql_as_plain_text(self):
        status, body = self.call("POST", "/queries", "SELECT 2", content_type="text/plain; charset=utf-8")
        self.assertEqual((status, self.service.queries[body["id"]]), (202, "SELECT 2"))

    def test_bad_submissions_are_told_why(self):
        cases = [(json.dumps({"sql": "DROP TABLE stars"}), "application/json", 400, "only SELECT"),
                 ("{not json", "application/json", 400, "not JSON"),
                 (json.dumps({"query": "SELECT 1"}), "application/json", 400, '{"sql"'),
                 ("sql=SELECT+1", "application/x-www-form-urlencoded", 415, "application/json")]  # fmt: skip
        for payload, kind, code, text in cases:
            status, body = self.call("POST", "/queries", payload, content_type=kind)
            self.assertEqual(status, code, body)
            self.assertIn(text, body["error"])

    def test_unknown_paths_methods_and_queries(self):
        self.assertEqual(self.call("GET", "/nowhere")[0], 404)
        status, body = self.call("POST", "/health", "{}")
        self.assertEqual((status, body["error"]), (405, "POST is not allowed on /health; use GET"))
        self.assertEqual(self.call("GET", "/queries/99")[0], 404)
        self.assertEqual(self.call("GET", "/queries/99/results")[0], 404)
        self.assertEqual(self.call("GET", "/queries/1?wait=soon")[0], 400)

    def test_results_by_state(self):
        self.call("POST", "/queries", json.dumps({"sql": "SELECT 1"}))
        status, body = self.call("GET", "/queries/1/results")
        self.assertEqual((status, body["status"]), (409, "queued"))
        self.service.stored[1] = Stored("failed", "division by zero", None, None, None)
        self.assertEqual(self.call("GET", "/queries/1/results"), (409, {"error": "query 1 failed: division by zero", "status": "failed"}))
        self.service.stored[1] = Stored("done", None, None, None, False)
        self.assertEqual(self.call("GET", "/queries/1/results")[0], 410)
        self.service.stored[1] = Stored("done", None, '["n", "x"]', '[[1, "NaN"], [2, 0.5]]', True)
        self.assertEqual(self.call("GET", "/queries/1/results"), (200, {"id": 1, "truncated": True, "columns": ["n", "x"], "rows": [[1, "NaN"], [2, 0.5]]}))

    def test_health_recent_and_about(self):
        self.assertEqual(self.call("GET", "/health")[0], 200)
        self.service.healthy = False
        self.assertEqual(self.call("GET", "/health")[0], 503)
        for sql in ("SELECT 1", "SELECT 2", "SELECT 3"):
            self.call("POST", "/queries", json.dumps({"sql": sql}))
        self.assertEqual(self.call("GET", "/queries?limit=2"), (200, [{"id": 3}, {"id": 2}]))
        self.assertEqual(self.call("GET", "/")[1]["service"], "firethorn")


class RequestPartsTest(unittest.TestCase):
    def test_route_ignores_a_trailing_slash(self):
        self.assertEqual(route("GET", "/queries/12/results/"), ("results", ("12",)))
        self.assertEqual(route("GET", "/"), ("about", ()))

    def test_submitted_sql_needs_utf8(self):
        with self.assertRaises(ApiError) as raised:
            submitted_sql("text/plain", b"\xff")
        self.assertIn("UTF-8", raised.exception.body["error"])


if __name__ == "__main__":
    unittest.main()
