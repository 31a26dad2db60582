"""`compose run`'s own step: one container of a service, made as a one-off and started.

observe_one_off() takes the snapshot through the driver, plan_one_off() decides
(composer/plan/one_off.py), run_one_off_plan() carries it out
(composer/executor/one_off_runner.py); `run --dry-run` prints the same Plan. Its
dependencies are `up`'s business: the CLI asks `up` for them before this.
"""

from __future__ import annotations

from composer.config.model import Project, Service
from composer.drivers.protocol import Driver, Reporter
from composer.executor.one_off_runner import run_one_off_plan
from composer.plan.actions import Plan
from composer.plan.one_off import plan_one_off
from composer.verbs.observe import observe_one_off


def plan(project: Project, service: Service, driver: Driver, use_aliases: bool = False, pull: str | None = None, build: bool = False) -> Plan:
    """The Plan of running `service` (already given its one-off name and command) now."""
    return plan_one_off(project, service, observe_one_off(project, service, driver, pull, build), use_aliases)


def run_one_off(
    project: Project, service: Service, reporter: Reporter, driver: Driver,
    stdin: int | None = None, use_aliases: bool = False, pull: str | None = None, build: bool = False,
) -> str:
    """Create and start the one-off; its container's name. stdin: the fd its process reads."""
    return run_one_off_plan(project, plan(project, service, driver, use_aliases, pull, build), reporter, driver, stdin, pull, build)
