"""The schedule and rules every check follows (healthchecks, health.py, and x-readiness
probes, readiness.py), and how several checks' records make one (see health.py's doc)."""

from __future__ import annotations

from composer.shim.state import HEALTH_LOG_ENTRIES, HealthRecord

FAST_START_FIRST_DELAY = 0.05  # seconds; doubled after every failure of the fast start
STATUS_ORDER = ("unhealthy", "starting", "healthy")  # worst first


class ProbeClock:
    """When a check runs next, and what each result does to its health record."""

    def __init__(self, interval: float, retries: int, start_period: float) -> None:
        self.interval = interval
        self.retries = retries
        self.start_period = start_period
        self.record = HealthRecord()
        self.next_run: float | None = None
        self.started = 0.0
        self.fast_delay = FAST_START_FIRST_DELAY

    def start(self, now: float) -> None:
        """The container (re)started: a fresh record, and the first probe right away."""
        self.record = HealthRecord()
        self.started = now
        self.next_run = now
        self.fast_delay = FAST_START_FIRST_DELAY

    def stop(self) -> None:
        self.next_run = None

    def due(self, now: float) -> bool:
        return self.next_run is not None and now >= self.next_run

    def in_fast_start(self, moment: float) -> bool:
        return moment < self.started + self.interval

    def result(self, passed: bool, probe_started: float, now: float) -> None:
        """Apply the result of a probe begun at `probe_started` (monotonic) and schedule the next."""
        self._apply(passed, probe_started, now)
        if passed or not self.in_fast_start(now):
            self.next_run = now + self.interval
            return
        self.next_run = min(now + self.fast_delay, self.started + self.interval)
        self.fast_delay *= 2

    def _apply(self, passed: bool, probe_started: float, now: float) -> None:
        record = self.record
        if passed:
            record.status, record.failing_streak = "healthy", 0
            return
        if self.in_fast_start(probe_started):
            return
        in_grace = now - self.started < self.start_period
        if record.status == "starting" and in_grace:
            return
        record.failing_streak += 1
        if record.failing_streak >= self.retries:
            record.status = "unhealthy"


def combined(records: list[HealthRecord]) -> HealthRecord:
    """One record for several checks: the worst status, the longest streak, the latest results."""
    if len(records) == 1:
        return records[0]
    status = min((record.status for record in records), key=STATUS_ORDER.index)
    results = sorted((result for record in records for result in record.log), key=lambda result: result.end)
    return HealthRecord(status, max(record.failing_streak for record in records), results[-HEALTH_LOG_ENTRIES:])
