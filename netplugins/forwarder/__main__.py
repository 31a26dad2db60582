"""`python -I -m netplugins.forwarder CONFIG.json`: serve the ambassadors the config lists.

SIGHUP re-reads the config; SIGTERM (or SIGINT) stops listening, gives open connections
shutdown_grace seconds, writes the stats file and exits 0. A bad config or an address
that cannot be bound at start exits 1 with one line on stderr.
"""

from __future__ import annotations

import resource
import signal
import sys

from netplugins.forwarder.config import ForwarderConfigError, load_config
from netplugins.forwarder.engine import Engine
from netplugins.forwarder.loop import EventLoop
from netplugins.forwarder.stats import EventLog

USAGE = "usage: python -I -m netplugins.forwarder CONFIG.json"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    log = EventLog()
    if len(args) != 1:
        log.event("", USAGE)
        return 2
    path = args[0]
    try:
        config = load_config(path)
    except ForwarderConfigError as exc:
        log.event("", exc.one_line())
        return 1
    raise_open_files_limit()
    loop = EventLoop(on_error=lambda exc: log_internal_error(log, exc))
    engine = Engine(loop, log, config)
    loop.on_signals({
        signal.SIGHUP: lambda: engine.reload(path),
        signal.SIGTERM: engine.shutdown,
        signal.SIGINT: engine.shutdown,
    })
    errors = engine.apply(config)
    if errors:
        for error in errors:
            log.event("", error.one_line())
        engine.close(write_stats=False)
        loop.close()
        return 1
    engine.stats_file.flush()  # the stats file naming our pid says we are listening
    log.event("", f"serving {len(engine.ambassadors)} ambassadors from {path}")
    loop.run()
    engine.close()
    loop.close()
    log.event("", "stopped")
    return 0


def raise_open_files_limit() -> None:
    """A connection holds two sockets (and two pipes while bytes are in flight): take all
    the fds the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 1 << 20), hard))


def log_internal_error(log: EventLog, exc: BaseException) -> None:
    import traceback  # only on a bug: keep it out of the idle footprint

    where = traceback.extract_tb(exc.__traceback__)[-1]
    log.event("", f"internal error: {type(exc).__name__}: {exc} at {where.filename}:{where.lineno}", kind="internal")


if __name__ == "__main__":
    sys.exit(main())
