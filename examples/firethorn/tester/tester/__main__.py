"""python3 -m tester [NAME…]: replay the query list (or only the named queries).

Environment: FIRETHORN_URL, PGCAT_HOST/PORT/DB/USER/PASSWORD (the direct route),
ROW_LIMIT and QUERY_TIMEOUT (as the service's), LOOPS (default 1; 0 = until stopped),
QUERIES (the list's path). SIGTERM ends the run after the current query.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from tester.client import Api
from tester.direct import Direct
from tester.querylist import QueryListError, parse_queries
from tester.suite import run_loops

SERVICE_WAIT_SECONDS = 120


def main(argv: list[str]) -> int:
    env = os.environ
    path = Path(env.get("QUERIES", "/opt/tester/queries.sql"))
    try:
        queries = parse_queries(path.read_text(), str(path))
        loops, row_limit, timeout = int(env.get("LOOPS", "1")), int(env.get("ROW_LIMIT", "10000")), float(env.get("QUERY_TIMEOUT", "30"))
    except (OSError, QueryListError, ValueError) as exc:
        print(f"tester: {exc}", file=sys.stderr)
        return 255
    if argv:
        unknown = sorted(set(argv) - {query.name for query in queries})
        if unknown:
            print(f"tester: no such queries in {path}: {', '.join(unknown)}", file=sys.stderr)
            return 255
        queries = [query for query in queries if query.name in argv]
    api = Api(env.get("FIRETHORN_URL", "http://firethorn:8080"), request_timeout=timeout)
    if not wait_for(api.healthy, SERVICE_WAIT_SECONDS):
        print(f"tester: {api.base_url}/health did not answer 200 in {SERVICE_WAIT_SECONDS} s", file=sys.stderr)
        return 255
    direct = Direct(_direct_args(env), row_limit, timeout)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    print(f"tester: {len(queries)} queries from {path}, {loops or 'unlimited'} loop(s), direct to {env.get('PGCAT_HOST', 'pgcat')}, api at {api.base_url}", flush=True)
    try:
        failures = run_loops(queries, direct, api, loops, timeout * 2 + 10, lambda: bool(stop))
    finally:
        direct.close()
    print(f"tester: {failures} failure(s)", flush=True)
    return min(failures, 255)


def wait_for(ready, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not ready():
        if time.monotonic() > deadline:
            return False
        time.sleep(1)
    return True


def _direct_args(env) -> dict:
    return {
        "host": env.get("PGCAT_HOST", "pgcat"),
        "port": int(env.get("PGCAT_PORT", "5432")),
        "dbname": env.get("PGCAT_DB", "catalogue"),
        "user": env.get("PGCAT_USER", "tester"),
        "password": env.get("PGCAT_PASSWORD", ""),
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
