"""Running one user query on the catalogue database, inside the limits.

Each query runs in its own READ ONLY transaction with a statement timeout, through a
server-side cursor (DECLARE … CURSOR FOR accepts only a query), fetching at most
row_limit + 1 rows, so a query matching the whole catalogue costs the service no more
memory than one at the limit. The transaction is always rolled back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import psycopg2
import psycopg2.errorcodes

from firethorn.rows import json_rows
from firethorn.settings import Database

PING_TIMEOUT_SECONDS = 3
STARTING_UP = "the database system is starting up"  # its SQLSTATE (57P03) is not given at connect time


@dataclass(frozen=True)
class Outcome:
    columns: list[str]
    rows: list[list]  # JSON-ready values (rows.json_value)
    truncated: bool  # there were more than row_limit rows; the first row_limit are kept


class QueryFailed(Exception):
    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.message, self.sqlstate = message, sqlstate


class Catalogue:
    """One connection to the catalogue, for one worker thread; reopened after a failure."""

    def __init__(self, database: Database, row_limit: int, timeout_seconds: float) -> None:
        self.database, self.row_limit, self.timeout_seconds = database, row_limit, timeout_seconds
        self._connection = None

    def run(self, sql: str) -> Outcome:
        """The query's outcome; a connection that broke while idle (pgcat restarted) is
        replaced once: the query only reads, so running it again is safe."""
        reused = self._connection is not None and not self._connection.closed
        try:
            return self._run_once(sql)
        except _BrokenConnection:
            if not reused:
                raise
        return self._run_once(sql)

    def _run_once(self, sql: str) -> Outcome:
        connection = self._connect()
        try:
            with connection.cursor() as setup:
                setup.execute("SET TRANSACTION READ ONLY")
                setup.execute("SET LOCAL statement_timeout = %s", (int(self.timeout_seconds * 1000),))
            with connection.cursor(name="user_query") as cursor:
                cursor.execute(sql)
                rows = cursor.fetchmany(self.row_limit + 1)
                columns = [column.name for column in cursor.description or ()]
        except psycopg2.Error as exc:
            raise self._failure(exc) from None
        finally:
            self._end_transaction()
        truncated = len(rows) > self.row_limit
        return Outcome(columns, json_rows(rows[: self.row_limit]), truncated)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self):
        if self._connection is None or self._connection.closed:
            self._connection = self._open()
        return self._connection

    def _open(self):
        """A new connection. The ambassador holds it while pgcat is down, hence the long
        timeout; a server that is still starting up is asked again for as long."""
        wait = max(10, int(self.timeout_seconds))
        deadline = time.monotonic() + wait
        while True:
            try:
                return psycopg2.connect(**self.database.connect_args(), application_name="firethorn", connect_timeout=wait)
            except psycopg2.OperationalError as exc:
                if STARTING_UP not in str(exc) or time.monotonic() > deadline:
                    raise QueryFailed(f"the catalogue database cannot be reached: {_first_line(exc)}") from None
            time.sleep(0.5)

    def _end_transaction(self) -> None:
        if self._connection is None or self._connection.closed:
            self._connection = None
            return
        try:
            self._connection.rollback()
        except psycopg2.Error:
            self.close()

    def _failure(self, exc: psycopg2.Error) -> QueryFailed:
        if exc.pgcode == psycopg2.errorcodes.QUERY_CANCELED:
            return QueryFailed(f"the query ran longer than the {self.timeout_seconds:g} s limit", exc.pgcode)
        if exc.pgcode is None:  # the connection broke: the next query opens a new one
            self.close()
            return _BrokenConnection(f"the connection to the catalogue failed: {_first_line(exc)}")
        return QueryFailed(_first_line(exc), exc.pgcode)


class _BrokenConnection(QueryFailed):
    """The connection failed under the query (no SQLSTATE): worth one more try."""


def ping(database: Database) -> str | None:
    """None when the database answers SELECT 1 within a few seconds, else why not."""
    try:
        connection = psycopg2.connect(**database.connect_args(), application_name="firethorn-health", connect_timeout=PING_TIMEOUT_SECONDS)
    except psycopg2.Error as exc:
        return _first_line(exc)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return None
    except psycopg2.Error as exc:
        return _first_line(exc)
    finally:
        connection.close()


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
