"""The suites, by the name `--suite` takes, in the order a full run goes through them.

Each module has NAME, MEASURES and run(ctx: SuiteContext) -> SuiteResult; it raises
NotAvailable when nothing at all can be measured (the reason goes into the report).
"""

from __future__ import annotations

import importlib
from types import ModuleType

SUITES: dict[str, str] = {
    "cli": "bench.suites.cli",
    "cli-scale": "bench.suites.cli_scale",
    "up-down": "bench.suites.up_down",
    "start-floor": "bench.suites.start_floor",
    "network": "bench.suites.network",
    "ambassador": "bench.suites.ambassador",
    "logs": "bench.suites.logs",
    "watch": "bench.suites.watch",
}


def load(name: str) -> ModuleType:
    return importlib.import_module(SUITES[name])
