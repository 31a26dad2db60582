"""`compose down` and stopping a project: observe, plan (plan/teardown.py), carry out
(executor/down_runner.py). `down --dry-run` prints the same Plan (verbs/dry_run.py).

They work from what is on the host (what the driver observes), so they also clean up
after a crash: a container `up` left half-made is found by its project and removed.
Containers stop in reverse dependency order, each generation in parallel.
"""

from __future__ import annotations

from collections.abc import Iterable

from composer.config.model import Project
from composer.drivers.protocol import Driver, Reporter
from composer.executor.down_runner import run_containers, run_down
from composer.plan.teardown import DownOptions, plan_containers, plan_down
from composer.verbs.observe import observe_down


def stop_project(project: Project, driver: Driver, reporter: Reporter, services: Iterable[str] = (), timeout: float | None = None) -> dict[str, str]:
    wanted = set(services)
    states = [s for s in driver.containers(project.name) if not wanted or s.service in wanted]
    plan = plan_containers(project, states, driver.remembered_stop_order(project), "stop", None)

    def stop(action) -> None:
        driver.runtime.stop(action.name, timeout)
        reporter.status("Container", action.name, "Stopped")

    return run_containers(plan, stop)


def down(project: Project, driver: Driver, reporter: Reporter, timeout: float | None = None, volumes: bool = False,
         remove_orphans: bool = False, rmi: str | None = None) -> dict[str, str]:
    options = DownOptions(volumes, remove_orphans, rmi)
    return run_down(project, plan_down(project, observe_down(project, driver, options), options), driver, reporter, timeout)
