"""Restart decisions and backoff, as Docker makes them (pure).

Delays start at 100 ms and double per restart up to 1 minute (moby's restartmanager:
maxRestartTimeout); a run that lasted 10 s or more resets the delay.
"""

from __future__ import annotations

from composer.shim.config import RestartPolicy

INITIAL_DELAY = 0.1
MAX_DELAY = 60.0
RESET_AFTER = 10.0


def should_restart(policy: RestartPolicy, exit_code: int, restarts_so_far: int, stop_requested: bool) -> bool:
    if stop_requested or policy.name == "no":
        return False
    if policy.name in ("always", "unless-stopped"):
        return True
    # on-failure[:N]
    if exit_code == 0:
        return False
    return policy.max_retries == 0 or restarts_so_far < policy.max_retries


class Backoff:
    def __init__(self) -> None:
        self.delay = INITIAL_DELAY

    def next_delay(self, ran_for: float) -> float:
        """The wait before the next start, given how long the last run lasted."""
        if ran_for >= RESET_AFTER:
            self.delay = INITIAL_DELAY
        delay = self.delay
        self.delay = min(self.delay * 2, MAX_DELAY)
        return delay
