"""One pass over the query list, and the loop around it; one log line per query."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from tester.client import Api, ApiFailed
from tester.compare import difference
from tester.direct import Direct, DirectFailed
from tester.querylist import Query

# What a read-only role's database answers to a write: read-only transaction, no privilege.
REFUSALS = ("25006", "42501")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str  # "match", "rejected by both", or what differs
    rows: int | None = None
    direct_seconds: float = 0.0
    api_seconds: float = 0.0


def check(query: Query, direct: Direct, api: Api, wait_seconds: float) -> Verdict:
    if query.expect == "rejected":
        return check_rejected(query, direct, api)
    started = time.monotonic()
    try:
        reference = direct.run(query.sql)
        direct_error = None
    except DirectFailed as failure:
        reference, direct_error = None, failure
    direct_seconds = time.monotonic() - started
    started = time.monotonic()
    try:
        query_id = api.submit(query.sql)
        status = api.wait(query_id, wait_seconds)
        served = api.results(query_id) if status["status"] == "done" else None
    except ApiFailed as failure:
        return Verdict(False, f"api: {failure.message}", direct_seconds=direct_seconds, api_seconds=time.monotonic() - started)
    api_seconds = time.monotonic() - started
    if direct_error is not None or served is None:
        return _compare_failures(direct_error, status, direct_seconds, api_seconds)
    differs = difference(reference, served, query.ordered)
    return Verdict(differs is None, differs or "match", len(served.rows), direct_seconds, api_seconds)


def check_rejected(query: Query, direct: Direct, api: Api) -> Verdict:
    """The service must refuse it (400) and so must the database, sent directly."""
    try:
        query_id = api.submit(query.sql)
        return Verdict(False, f"api accepted it as query {query_id}")
    except ApiFailed as failure:
        if failure.status != 400:
            return Verdict(False, f"api: expected 400, got {failure.status}: {failure.message}")
    try:
        direct.run_statement(query.sql)
        return Verdict(False, "the database ran it directly: the tester's role can write")
    except DirectFailed as failure:
        if failure.sqlstate not in REFUSALS:
            return Verdict(False, f"the database refused it for another reason ({failure.sqlstate}): {failure.message}")
    return Verdict(True, "rejected by both")


def _compare_failures(direct_error: DirectFailed | None, status: dict, direct_seconds: float, api_seconds: float) -> Verdict:
    """Both routes must fail alike (same SQLSTATE), or neither."""
    if direct_error is None:
        return Verdict(False, f"only the api failed: {status.get('error')}", None, direct_seconds, api_seconds)
    if status["status"] != "failed":
        return Verdict(False, f"only the direct route failed: {direct_error.message}", None, direct_seconds, api_seconds)
    if direct_error.sqlstate != status.get("sqlstate"):
        return Verdict(False, f"both failed, differently: direct {direct_error.sqlstate} {direct_error.message} / api {status.get('sqlstate')} {status.get('error')}", None, direct_seconds, api_seconds)
    return Verdict(True, f"failed alike ({direct_error.sqlstate})", None, direct_seconds, api_seconds)


def log_line(loop: str, query: Query, verdict: Verdict) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    rows = "" if verdict.rows is None else f" rows={verdict.rows}"
    result = "ok" if verdict.ok else "FAIL"
    detail = verdict.detail.replace('"', "'")
    return f'{stamp} loop={loop} query={query.name} result={result}{rows} direct={verdict.direct_seconds:.3f}s api={verdict.api_seconds:.3f}s detail="{detail}"'


def run_loops(queries: Sequence[Query], direct: Direct, api: Api, loops: int, wait_seconds: float, stopping: Callable[[], bool], out=sys.stdout) -> int:
    """Run the list `loops` times (0: until stopping() says so); the number of failures."""
    failures = 0
    loop = 0
    while (loops == 0 or loop < loops) and not stopping():
        loop += 1
        started, failed_before, ran = time.monotonic(), failures, 0
        label = f"{loop}/{loops or '∞'}"
        for query in queries:
            if stopping():
                break
            verdict = check(query, direct, api, wait_seconds)
            failures, ran = failures + (0 if verdict.ok else 1), ran + 1
            print(log_line(label, query, verdict), file=out, flush=True)
        stopped = "" if ran == len(queries) else f" of {len(queries)} (stopped)"
        print(f"loop {label}: {ran} queries{stopped}, {failures - failed_before} failed, {time.monotonic() - started:.1f}s", file=out, flush=True)
    return failures
