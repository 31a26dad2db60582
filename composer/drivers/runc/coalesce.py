"""Run an expensive refresh once for many concurrent requests.

`up` creates containers from parallel tasks, and each one asks for the project's hosts
files to be rewritten. One rewrite that starts after a request covers it, so a request
that arrives while a rewrite runs waits for the next one, which then serves every
request queued meanwhile: n parallel requests cost about two rewrites, not n.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Coalescer:
    def __init__(self, work: Callable[[], None]) -> None:
        self._work = work
        self._cond = threading.Condition()
        self._asked = 0  # requests so far
        self._served = 0  # requests covered by a finished run
        self._running = False

    def __call__(self) -> None:
        """Return once a run that started after this call has finished (its error, if this caller ran it)."""
        with self._cond:
            self._asked += 1
            ticket = self._asked
            while self._served < ticket:
                if self._running:
                    self._cond.wait()
                    continue
                self._running, covers = True, self._asked
                try:
                    self._cond.release()
                    try:
                        self._work()
                    finally:
                        self._cond.acquire()
                    self._served = max(self._served, covers)
                finally:
                    self._running = False
                    self._cond.notify_all()
