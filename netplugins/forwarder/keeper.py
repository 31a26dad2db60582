"""Keep one forwarder running: restart it if it dies, pass SIGHUP on, stop on SIGTERM.

`python -I -S -c <bootstrap> <package root> keeper CONFIG.json` (see api.start_keeper).
Restarts back off from 0.1 s doubling to 10 s, and reset once a forwarder has run 10 s,
as the container supervisor does. Standard library only.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

BACKOFF_FIRST, BACKOFF_CAP, STEADY = 0.1, 10.0, 10.0


def keep(command: list[str]) -> int:
    child: subprocess.Popen | None = None
    stopping = False

    def on_term(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def on_hup(signum, frame) -> None:
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGHUP)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGHUP, on_hup)
    delay = BACKOFF_FIRST
    while not stopping:
        started = time.monotonic()
        child = subprocess.Popen(command)
        while child.poll() is None:
            try:
                child.wait()
            except InterruptedError:
                continue
        if stopping:
            break
        ran = time.monotonic() - started
        delay = BACKOFF_FIRST if ran >= STEADY else min(delay * 2, BACKOFF_CAP)
        sys.stderr.write(f"forwarder exited with status {child.returncode} after {ran:.1f}s; restarting in {delay:.1f}s\n")
        sys.stderr.flush()
        end = time.monotonic() + delay
        while not stopping and time.monotonic() < end:
            time.sleep(min(0.1, end - time.monotonic()))
    return 0


if __name__ == "__main__":
    sys.exit(keep(sys.argv[1:]))
