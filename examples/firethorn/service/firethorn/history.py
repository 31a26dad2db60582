"""Query history and results in the metadata database (schema: postgres/initdb/metadata).

Each method takes a connection from a small thread-safe pool and commits before giving
it back; a broken connection is dropped from the pool, so a metadata restart costs the
requests in flight, not the service.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg2
import psycopg2.extras
import psycopg2.pool

from firethorn.catalogue import Outcome
from firethorn.settings import Database

STATUS_COLUMNS = "id, sql, status, submitted, started, finished, row_count, truncated, elapsed_ms, error, sqlstate"
INTERRUPTED = "the service restarted before the query finished; submit it again"


@dataclass(frozen=True)
class StoredResults:
    status: str
    error: str | None
    columns_json: str | None  # JSON text, as stored: sent on without parsing
    rows_json: str | None
    truncated: bool | None


class History:
    def __init__(self, database: Database, kept_results: int, max_connections: int = 8) -> None:
        self.kept_results = kept_results
        self._free = threading.BoundedSemaphore(max_connections)  # wait for a connection rather than fail
        self._pool = psycopg2.pool.ThreadedConnectionPool(1, max_connections, **database.connect_args(), application_name="firethorn", connect_timeout=10)

    def close(self) -> None:
        self._pool.closeall()

    def add(self, sql: str) -> int:
        with self._cursor() as cursor:
            cursor.execute("INSERT INTO queries (sql) VALUES (%s) RETURNING id", (sql,))
            return cursor.fetchone()[0]

    def interrupt_unfinished(self) -> int:
        """Queries a previous run of the service left queued or running become failed."""
        with self._cursor() as cursor:
            cursor.execute("UPDATE queries SET status = 'failed', error = %s, finished = now() WHERE status IN ('queued', 'running')", (INTERRUPTED,))
            return cursor.rowcount

    def start(self, query_id: int) -> str | None:
        """Mark a queued query running; its SQL, or None if it is not queued."""
        with self._cursor() as cursor:
            cursor.execute("UPDATE queries SET status = 'running', started = now() WHERE id = %s AND status = 'queued' RETURNING sql", (query_id,))
            row = cursor.fetchone()
            return None if row is None else row[0]

    def finish(self, query_id: int, outcome: Outcome, elapsed_ms: float) -> None:
        with self._cursor() as cursor:
            cursor.execute(
                "UPDATE queries SET status = 'done', finished = now(), row_count = %s, truncated = %s, elapsed_ms = %s WHERE id = %s",
                (len(outcome.rows), outcome.truncated, elapsed_ms, query_id),
            )
            cursor.execute("INSERT INTO results (query_id, columns, rows) VALUES (%s, %s, %s)", (query_id, json.dumps(outcome.columns), json.dumps(outcome.rows, allow_nan=False)))
            cursor.execute("DELETE FROM results WHERE query_id <= %s", (query_id - self.kept_results,))

    def fail(self, query_id: int, error: str, sqlstate: str | None, elapsed_ms: float | None) -> None:
        with self._cursor() as cursor:
            cursor.execute(
                "UPDATE queries SET status = 'failed', finished = now(), error = %s, sqlstate = %s, elapsed_ms = %s WHERE id = %s",
                (error, sqlstate, elapsed_ms, query_id),
            )

    def status(self, query_id: int) -> dict | None:
        with self._cursor(dict_rows=True) as cursor:
            cursor.execute(f"SELECT {STATUS_COLUMNS} FROM queries WHERE id = %s", (query_id,))
            row = cursor.fetchone()
            return None if row is None else _status(row)

    def recent(self, limit: int) -> list[dict]:
        with self._cursor(dict_rows=True) as cursor:
            cursor.execute(f"SELECT {STATUS_COLUMNS} FROM queries ORDER BY id DESC LIMIT %s", (limit,))
            return [_status(row) for row in cursor.fetchall()]

    def results(self, query_id: int) -> StoredResults | None:
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT q.status, q.error, r.columns::text, r.rows::text, q.truncated FROM queries q LEFT JOIN results r ON r.query_id = q.id WHERE q.id = %s",
                (query_id,),
            )
            row = cursor.fetchone()
            return None if row is None else StoredResults(*row)

    @contextmanager
    def _cursor(self, dict_rows: bool = False) -> Iterator:
        self._free.acquire()
        try:
            connection = self._pool.getconn()
        except BaseException:
            self._free.release()
            raise
        broken = False
        try:
            with connection:  # commit on success, roll back on an exception
                factory = psycopg2.extras.RealDictCursor if dict_rows else None
                with connection.cursor(cursor_factory=factory) as cursor:
                    yield cursor
        except (psycopg2.OperationalError, psycopg2.InterfaceError):
            broken = True
            raise
        finally:
            self._pool.putconn(connection, close=broken or bool(connection.closed))
            self._free.release()


def _status(row: dict) -> dict:
    """A queries row as the API shows it: times in ISO 8601, elapsed in seconds."""
    status = {key: row[key] for key in ("id", "sql", "status", "row_count", "truncated", "error", "sqlstate")}
    for key in ("submitted", "started", "finished"):
        status[key] = row[key].isoformat() if row[key] is not None else None
    status["elapsed"] = None if row["elapsed_ms"] is None else round(row["elapsed_ms"] / 1000.0, 6)
    return status
