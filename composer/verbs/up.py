"""`compose up` (and `create`): observe, plan, carry out.

select() picks the graph's nodes, observe_up() takes the snapshot through the driver,
plan_up() decides everything once (composer/plan/project.py) and run_up() carries the
Plan out (composer/executor/up_runner.py). `up --dry-run` prints the same Plan instead
(composer/verbs/dry_run.py). Nothing here prints.
"""

from __future__ import annotations

from composer.config.model import Project
from composer.drivers.protocol import Driver, Reporter
from composer.executor.up_runner import run_up
from composer.plan.actions import Plan
from composer.plan.project import plan_up, select
from composer.verbs.observe import observe_up
from composer.verbs.options import UpOptions, UpResult


def plan(project: Project, options: UpOptions, driver: Driver) -> Plan:
    """The Plan of `up` with these options, from what the driver observes now."""
    selection = select(project, options)
    return plan_up(project, observe_up(project, options, selection, driver), options, selection)


def up(project: Project, options: UpOptions, reporter: Reporter, driver: Driver) -> UpResult:
    return run_up(project, plan(project, options, driver), options, reporter, driver)
