"""Named points where a test may kill this very process, to prove that whatever a
`kill -9` leaves there, `down` removes and the next `up` finishes.

    COMPOSER_CRASH_AT=attach.netns        SIGKILL the first time that point is reached
    COMPOSER_CRASH_AT=create.mounted#2    the second time (parallel tasks: any of them)

Without the variable a point is one comparison; the variable is read once, at import.
"""

from __future__ import annotations

import os
import signal
import threading

_WANTED, _, _NTH = os.environ.get("COMPOSER_CRASH_AT", "").partition("#")
_COUNT = int(_NTH) if _NTH.isdigit() else 1
_hits = 0
_lock = threading.Lock()


def crash_point(name: str) -> None:
    global _hits
    if name != _WANTED:
        return
    with _lock:
        _hits += 1
        if _hits == _COUNT:
            os.kill(os.getpid(), signal.SIGKILL)
