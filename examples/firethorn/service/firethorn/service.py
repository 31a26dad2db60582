"""What the HTTP API offers, over the history, the runner and the databases."""

from __future__ import annotations

from firethorn import about, catalogue
from firethorn.history import History, StoredResults
from firethorn.runner import Runner
from firethorn.settings import Settings
from firethorn.sqlguard import checked_select

MAX_WAIT_SECONDS = 60.0


class QueryService:
    def __init__(self, settings: Settings, history: History, runner: Runner) -> None:
        self.settings, self.history, self.runner = settings, history, runner

    def about(self) -> dict:
        limits = {"rows": self.settings.row_limit, "seconds": self.settings.timeout_seconds}
        return {"service": about.NAME, "version": about.VERSION, "banner": about.BANNER, "limits": limits,
                "endpoints": ["GET /health", "GET /queries", "POST /queries", "GET /queries/{id}", "GET /queries/{id}/results"]}  # fmt: skip

    def health(self) -> tuple[bool, dict]:
        """Healthy when both databases answer: the catalogue through its ambassador."""
        problems = {"metadata": catalogue.ping(self.settings.metadata), "catalogue": catalogue.ping(self.settings.catalogue)}
        report = {name: "ok" if problem is None else problem for name, problem in problems.items()}
        healthy = all(problem is None for problem in problems.values())
        return healthy, {"status": "ok" if healthy else "unavailable", **report, "queued": self.runner.queued()}

    def submit(self, sql: str) -> dict:
        """Queue a query (RejectedQuery if it is not a single SELECT); its status."""
        query_id = self.history.add(checked_select(sql))
        self.runner.submit(query_id)
        return {"id": query_id, "status": "queued"}

    def status(self, query_id: int, wait: float = 0.0) -> dict | None:
        """The query's status, after waiting up to `wait` seconds for it to end."""
        if wait > 0:
            self.runner.wait(query_id, min(wait, MAX_WAIT_SECONDS))
        return self.history.status(query_id)

    def results(self, query_id: int) -> StoredResults | None:
        return self.history.results(query_id)

    def recent(self, limit: int) -> list[dict]:
        return self.history.recent(limit)
