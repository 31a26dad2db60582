"""python3 -m firethorn: serve the API on $PORT until SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
import time

import psycopg2

from firethorn.api import make_server
from firethorn.catalogue import Catalogue
from firethorn.history import History
from firethorn.runner import Runner, log
from firethorn.service import QueryService
from firethorn.settings import Settings, SettingsError

METADATA_WAIT_SECONDS = 60


def open_history(settings: Settings) -> History:
    """The metadata database, waited for a while: it may still be starting."""
    deadline = time.monotonic() + METADATA_WAIT_SECONDS
    while True:
        try:
            return History(settings.metadata, settings.kept_results, max_connections=settings.workers + 8)
        except psycopg2.OperationalError as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"firethorn: the metadata database at {settings.metadata.host}:{settings.metadata.port} did not answer in {METADATA_WAIT_SECONDS} s: {exc}".strip())
            time.sleep(1)


def main() -> int:
    try:
        settings = Settings.from_environment()
    except SettingsError as exc:
        print(f"firethorn: {exc}", file=sys.stderr)
        return 2
    history = open_history(settings)
    interrupted = history.interrupt_unfinished()
    if interrupted:
        log(f"marked {interrupted} queries left unfinished by the previous run as failed")
    runner = Runner(history, lambda: Catalogue(settings.catalogue, settings.row_limit, settings.timeout_seconds), settings.workers)
    runner.start()
    server = make_server(QueryService(settings, history, runner), "0.0.0.0", settings.port)
    stop = lambda signum, frame: threading.Thread(target=server.shutdown).start()  # noqa: E731  (shutdown must not run on the serving thread)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(f"firethorn {settings.workers} workers, row limit {settings.row_limit}, time limit {settings.timeout_seconds:g} s; listening on port {settings.port}")
    server.serve_forever()
    log("stopping")
    server.server_close()
    runner.stop()
    history.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
