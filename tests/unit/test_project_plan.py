"""The project-wide Plan (composer/plan/project.py, teardown.py), pure: model + snapshot + options in,
typed actions out; and --dry-run's printing of it (the lines Compose prints, Skipped after a failure)."""

from __future__ import annotations

import io
from pathlib import Path

from composer.cli.progress import PlainProgress
from composer.config.model import Dependency, Project, Service
from composer.errors import ComposerError
from composer.plan import actions as act
from composer.plan.observed import ImageSeen, Observed
from composer.plan.options import UpOptions
from composer.plan.project import plan_up, select
from composer.plan.service import Step, Strategy, rebind
from composer.plan.teardown import DownOptions, Teardown, plan_containers, plan_down, stages
from composer.runtime.api import ContainerState
from composer.verbs import dry_run


def project() -> Project:
    db = Service(name="db", image="postgres:16")
    web = Service(name="web", image="nginx", depends_on={"db": Dependency(condition="service_healthy")})
    return Project(name="shop", project_dir=Path("/srv/shop"), services={"db": db, "web": web})


def state(name: str, service: str, spec_hash: str = "h1", status: str = "running") -> ContainerState:
    return ContainerState(name=name, project="shop", service=service, status=status, pid=None, exit_code=None, oom_killed=False,
                          started_at=None, finished_at=None, restart_count=0, health=None, supervisor_alive=True,
                          supervisor_pid=None, spec_hash=spec_hash, error=None)


def seen(present: bool = True, refused: Exception | None = None) -> dict:
    return {n: ImageSeen(f"{n}:latest", "" if present else "pull", present, refused) for n in ("db", "web")}


def up_plan(observed: Observed, options: UpOptions = UpOptions(), model: Project | None = None) -> act.Plan:
    model = model or project()
    return plan_up(model, observed, options, select(model, options))


def steps(plan: act.Plan) -> list[tuple[str, str]]:
    return [(type(a).__name__, a.key) for a in plan.actions if isinstance(a, act.ContainerStep)]


def test_a_fresh_project_is_networks_images_then_each_service_in_start_order():
    plan = up_plan(Observed(missing_networks=("shop_default",), images=seen(False)))
    kinds = [type(a).__name__ for a in plan.actions]
    assert kinds == ["BeginUp", "CreateNetworks", "CheckPortsFree", "EnsureImage", "EnsureImage",
                     "BindSpecs", "CreateContainer", "WaitCondition", "BindSpecs", "CreateContainer", "PublishPorts", "RecordConverged"]
    assert plan.needs == {"db": (), "web": ("db",)}
    wait = plan.of(act.WaitCondition)[0]
    assert (wait.service, wait.dependency, wait.condition) == ("web", "db", "service_healthy")
    assert wait.after == (plan.units()["db"][-1].id,)  # web's unit waits for db's last step


def test_replicas_are_decided_on_the_hash_the_driver_would_build_now():
    running = (state("shop-db-1", "db", "same"), state("shop-web-1", "web", "old"), state("shop-web-2", "web", "old"))
    plan = up_plan(Observed(containers=running, images=seen(), spec_hashes={"db": ("same",), "web": ("new",)}))
    assert steps(plan) == [("KeepContainer", "shop-db-1"), ("RecreateContainer", "shop-web-1"), ("RemoveContainer", "shop-web-2")]
    recreate = plan.of(act.RecreateContainer)[0]
    assert (recreate.decided_on, recreate.reason, recreate.number) == ("new", "configuration changed", 1)


def test_without_the_image_existing_replicas_are_recreated_and_extra_ones_created():
    running = (state("shop-web-1", "web"), state("shop-web-3", "web"))
    plan = up_plan(Observed(containers=running, images=seen(False)), UpOptions(scale={"web": 2}))
    assert steps(plan)[1:] == [("RecreateContainer", "shop-web-1"), ("CreateContainer", "shop-web-2"), ("RemoveContainer", "shop-web-3")]
    assert not plan.of(act.RecordConverged)  # scaled: not what a plain `up -d` wants


def test_orphans_are_removed_only_when_asked_and_one_offs_are_not_replicas():
    running = (state("shop-old-1", "old"), state("shop-web-run-1", "web"))
    kept = up_plan(Observed(containers=running, one_offs=frozenset({"shop-web-run-1"}), images=seen()))
    assert [type(a).__name__ for a in kept.of(act.KeepOrphan, act.RemoveOrphan)] == ["KeepOrphan"]
    assert ("RemoveContainer", "shop-web-run-1") not in steps(kept)
    removed = up_plan(Observed(containers=running, images=seen()), UpOptions(remove_orphans=True))
    assert [a.name for a in removed.of(act.RemoveOrphan)] == ["shop-old-1"]


def test_strategy_flags_decide_without_a_spec_change():
    running = (state("shop-db-1", "db", "same", status="exited"), state("shop-web-1", "web", "same"))
    hashes = {"db": ("same",), "web": ("same",)}
    assert steps(up_plan(Observed(containers=running, images=seen(), spec_hashes=hashes)))[:2] == [("StartContainer", "shop-db-1"), ("KeepContainer", "shop-web-1")]
    forced = up_plan(Observed(containers=running, images=seen(), spec_hashes=hashes), UpOptions(strategy=Strategy(force_recreate=True)))
    assert {kind for kind, _ in steps(forced)} == {"RecreateContainer"}


def test_the_bound_spec_keeps_the_planned_step_or_decides_again():
    alive = state("shop-web-1", "web", "old")
    assert rebind("old", alive, Strategy()) == (Step.KEEP, "")
    # a link target got a new address in this run: the bound spec differs from the one decided on
    assert rebind("linked-anew", alive, Strategy())[0] is Step.RECREATE
    # planned as kept, but a stop a killed `down` had asked for finished meanwhile: started again
    stopped = state("shop-web-1", "web", "old", status="exited")
    assert rebind("old", stopped, Strategy())[0] is Step.START


def printed(plan: act.Plan, options: UpOptions = UpOptions()) -> tuple[list[str], dry_run.UpResult]:
    stream = io.StringIO()
    result = dry_run.print_up(project(), plan, options, dry_run.DryRunReporter(PlainProgress("plain", stream)), driver=None)
    return [line.strip() for line in stream.getvalue().splitlines()], result


def test_dry_run_prints_a_refused_image_and_skips_its_dependents():
    refused = ComposerError("service db: image postgres:16 is not in the store and pull_policy is never")
    plan = up_plan(Observed(images=seen(True, None) | {"db": ImageSeen("", "", False, refused)}, spec_hashes={"web": ("h",)}))
    plan = act.Plan(tuple(a for a in plan.actions if not isinstance(a, act.CheckPortsFree)), plan.needs)  # no driver here
    lines, result = printed(plan)
    assert lines == [
        "DRY-RUN MODE -  Service db  Error: service db: image postgres:16 is not in the store and pull_policy is never",
        "DRY-RUN MODE -  Service web  Skipped: dependency db failed",
    ]
    assert set(result.failures) == {"db", "web"} and not result.started


def test_dry_run_reports_a_spec_that_cannot_be_bound_as_the_service_s_error():
    plan = up_plan(Observed(images=seen(), spec_hashes={"db": "network_mode container:x: container x has no network namespace", "web": ("h",)}))
    plan = act.Plan(tuple(a for a in plan.actions if not isinstance(a, act.CheckPortsFree)), plan.needs)
    lines, result = printed(plan, UpOptions(strategy=Strategy(no_start=True)))
    assert lines[0].endswith("Service db  Error: network_mode container:x: container x has no network namespace")
    assert lines[1].endswith("Service web  Skipped: dependency db failed")


def test_down_removes_in_stop_order_and_keeps_orphans_unless_asked():
    running = (state("shop-db-1", "db"), state("shop-web-1", "web", status="exited"), state("shop-old-1", "old"))
    seen_now = Teardown(containers=running, remembered=[["web"], ["db"]], proxies=(("Ports", "ports"),), networks=("shop_default",),
                        volumes=("shop_data",), images=frozenset({"nginx"}))
    plan = plan_down(project(), seen_now, DownOptions(volumes=True, rmi="all"))
    assert [(type(a).__name__, a.key) for a in plan.actions] == [
        ("KeepOrphan", "shop-old-1"), ("RemoveExisting", "shop-web-1"), ("RemoveExisting", "shop-db-1"),
        ("StopProxies", ""), ("RemoveNetworks", ""), ("RemoveVolumes", ""), ("RemoveImage", "nginx")]
    assert [[a.name for a in stage] for stage in stages(plan.of(act.RemoveExisting))] == [["shop-web-1"], ["shop-db-1"]]
    assert not plan.of(act.RemoveExisting)[0].running
    with_orphans = plan_down(project(), seen_now, DownOptions(remove_orphans=True))
    assert [a.name for a in with_orphans.of(act.RemoveExisting)][0] == "shop-old-1"


def test_start_goes_in_start_order_and_only_to_stopped_containers():
    running = (state("shop-db-1", "db", status="exited"), state("shop-web-1", "web", status="exited"), state("shop-web-2", "web"))
    plan = plan_containers(project(), running, [["web"], ["db"]], "start", ("created", "exited", "dead"), start_order=True)
    assert [[a.name for a in stage] for stage in stages(plan.actions)] == [["shop-db-1"], ["shop-web-1"]]
