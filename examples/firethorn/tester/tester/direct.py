"""The direct route: the query straight to the catalogue database, as the reference.

The same limits as the service (row limit, statement timeout, read-only), so the two
answers are comparable and the tester's memory stays bounded whatever the query.
"""

from __future__ import annotations

import psycopg2

from tester.compare import Result, api_value


class DirectFailed(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.message, self.sqlstate = message, sqlstate


class Direct:
    def __init__(self, connect_args: dict, row_limit: int, timeout_seconds: float) -> None:
        self.connect_args, self.row_limit, self.timeout_seconds = connect_args, row_limit, timeout_seconds
        self._connection = None

    def run(self, sql: str) -> Result:
        """Rows of a query, through a server-side cursor (at most row_limit + 1 fetched)."""
        connection = self._begin()
        try:
            with connection.cursor(name="direct_query") as cursor:
                cursor.execute(sql)
                rows = cursor.fetchmany(self.row_limit + 1)
                columns = [column.name for column in cursor.description or ()]
        except psycopg2.Error as exc:
            raise self._failed(exc) from None
        finally:
            self._rollback()
        return Result(columns, [[api_value(v) for v in row] for row in rows[: self.row_limit]], len(rows) > self.row_limit)

    def run_statement(self, sql: str) -> None:
        """Send any statement as it is (no cursor); DirectFailed if the database refuses it."""
        connection = self._begin()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        except psycopg2.Error as exc:
            raise self._failed(exc) from None
        finally:
            self._rollback()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _begin(self):
        if self._connection is None or self._connection.closed:
            try:
                self._connection = psycopg2.connect(**self.connect_args, application_name="tester", connect_timeout=10)
            except psycopg2.Error as exc:
                raise DirectFailed(f"cannot connect to the catalogue database: {_first_line(exc)}", None) from None
        with self._connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = %s", (int(self.timeout_seconds * 1000),))
        return self._connection

    def _rollback(self) -> None:
        try:
            if self._connection is not None and not self._connection.closed:
                self._connection.rollback()
        except psycopg2.Error:
            self.close()

    def _failed(self, exc: psycopg2.Error) -> DirectFailed:
        if exc.pgcode is None:
            self.close()
        return DirectFailed(_first_line(exc), exc.pgcode)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
