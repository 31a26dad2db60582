"""plan/service.py (desired vs observed) and drivers/runc/container_spec.py (service → ContainerSpec): pure logic."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from composer.config.model import Deploy, Dependency, Healthcheck, Logging, Mount, Project, RestartPolicy, Service, TmpfsOptions
from composer.images.config import ImageConfig, ImageHealthcheck
from composer.plan.service import Step, Strategy, decide, orphans
from composer.runtime.api import ContainerState
from composer.drivers.runc.container_spec import HostFacts, build_container_spec

SECOND = 1_000_000_000
PROJECT = Project(name="shop", project_dir=Path("/srv/shop"))
FACTS = HostFacts(lowerdirs=("/layers/a",), volume_dirs={"data": "/vol/data"}, anonymous_root="/anon")
IMAGE = ImageConfig(env=("PATH=/bin", "LANG=C"), entrypoint=("/entry",), cmd=("serve",), working_dir="/app", user="app", volumes=("/cache",))


def spec(service: Service, image: ImageConfig = IMAGE, number: int = 1):
    return build_container_spec(PROJECT, service, number, image, FACTS)


def state(name: str, spec_hash: str, status: str = "running", alive: bool = True, service: str = "web") -> ContainerState:
    return ContainerState(
        name=name, project="shop", service=service, status=status, pid=1, exit_code=None, oom_killed=False,
        started_at=datetime.now(timezone.utc), finished_at=None, restart_count=0, health=None,
        supervisor_alive=alive, supervisor_pid=2 if alive else None, spec_hash=spec_hash, error=None,
    )


WEB = Service(name="web", image="shop/web")


def test_command_and_entrypoint_follow_docker_rules():
    assert spec(WEB).args == ("/entry", "serve")
    assert spec(replace(WEB, command=("run", "fast"))).args == ("/entry", "run", "fast")
    assert spec(replace(WEB, entrypoint=("/bin/sh", "-c"))).args == ("/bin/sh", "-c")  # drops the image's Cmd
    assert spec(replace(WEB, entrypoint=("/bin/sh", "-c"), command=("echo hi",))).args == ("/bin/sh", "-c", "echo hi")


def test_environment_workdir_user_and_names():
    s = spec(replace(WEB, environment={"LANG": "fr_FR", "EMPTY": None, "X": "1"}), number=2)
    assert s.name == "shop-web-2" and s.hostname == "shop-web-2"
    assert s.env["LANG"] == "fr_FR" and s.env["X"] == "1" and "EMPTY" not in s.env and s.env["PATH"] == "/bin"
    assert (s.cwd, s.user) == ("/app", "app")
    custom = spec(replace(WEB, container_name="shopweb", working_dir="/srv", user="0:0"))
    assert (custom.name, custom.cwd, custom.user) == ("shopweb", "/srv", "0:0")


def test_mounts_volumes_tmpfs_and_image_volumes():
    service = replace(
        WEB,
        volumes=(
            Mount(type="volume", source="data", target="/data"),
            Mount(type="bind", source="/srv/shop/src", target="/app", read_only=True),
            Mount(type="tmpfs", target="/scratch", tmpfs=TmpfsOptions(size=1 << 20)),
        ),
        tmpfs=("/run:size=64k,mode=1777",),
    )
    mounts = {m.target: m for m in spec(service).mounts}
    assert mounts["/data"].kind == "volume" and mounts["/data"].source == "/vol/data" and mounts["/data"].copy_up
    assert mounts["/app"].kind == "bind" and mounts["/app"].read_only
    assert mounts["/scratch"].tmpfs_size == 1 << 20
    assert mounts["/run"].tmpfs_size == 64 * 1024 and mounts["/run"].tmpfs_mode == 0o1777
    assert mounts["/cache"].kind == "volume" and mounts["/cache"].source.startswith("/anon/")  # image VOLUME


def test_resources_restart_and_stop_settings():
    service = replace(
        WEB,
        mem_limit=256 << 20,
        cpus=0.5,
        pids_limit=100,
        restart="on-failure:3",
        stop_signal="INT",
        stop_grace_period=2 * SECOND,
    )
    s = spec(service)
    assert (s.resources.memory, s.resources.cpus, s.resources.pids_limit) == (256 << 20, 0.5, 100)
    assert (s.restart.name, s.restart.max_retries) == ("on-failure", 3)
    assert (s.stop_signal, s.stop_grace) == ("SIGINT", 2.0)
    swarm_style = replace(WEB, deploy=Deploy(restart_policy=RestartPolicy(condition="any")))
    assert spec(swarm_style).restart.name == "always"


def test_healthcheck_merges_with_the_image_and_can_be_disabled():
    image = replace(IMAGE, healthcheck=ImageHealthcheck(test=("CMD", "probe"), interval=5 * SECOND, retries=7))
    inherited = spec(WEB, image).healthcheck
    assert (inherited.test, inherited.interval, inherited.retries, inherited.timeout) == (("CMD", "probe"), 5.0, 7, 30.0)
    mine = spec(replace(WEB, healthcheck=Healthcheck(test=("CMD-SHELL", "curl -f localhost"), interval=SECOND)), image).healthcheck
    assert (mine.test, mine.interval, mine.retries) == (("CMD-SHELL", "curl -f localhost"), 1.0, 7)
    assert spec(replace(WEB, healthcheck=Healthcheck(disable=True)), image).healthcheck is None
    assert spec(replace(WEB, healthcheck=Healthcheck(test=("NONE",))), image).healthcheck is None


def test_security_options_and_log_path():
    s = spec(replace(WEB, security_opt=("no-new-privileges:false", "seccomp=unconfined")))
    assert (s.no_new_privileges, s.seccomp) == (False, "unconfined")
    assert (spec(WEB).no_new_privileges, spec(WEB).seccomp) == (True, "default")
    logged = spec(replace(WEB, logging=Logging(driver="json-file", options={"path": "./logs/", "max-size": "1m"})))
    assert logged.log.options["path"] == "/srv/shop/logs/" and logged.log.driver == "json-file"


def test_decide_create_keep_start_recreate():
    same = spec(WEB, number=1).spec_hash()
    assert decide(same, None, Strategy()) == (Step.CREATE, "")
    assert decide(same, state("shop-web-1", same), Strategy())[0] is Step.KEEP
    assert decide(same, state("shop-web-2", "old"), Strategy())[0] is Step.RECREATE
    stopped = state("shop-web-1", same, status="exited")
    assert decide(same, stopped, Strategy())[0] is Step.START
    assert decide(same, stopped, Strategy(no_start=True))[0] is Step.KEEP
    assert decide(same, state("shop-web-1", same), Strategy(force_recreate=True))[0] is Step.RECREATE
    assert decide(same, state("shop-web-1", "old"), Strategy(no_recreate=True))[0] is Step.KEEP
    assert decide(same, state("shop-web-1", same, alive=False), Strategy()) == (Step.RECREATE, "its supervisor died")
    # a replica beyond the wanted scale is removed: tests/unit/test_project_plan.py


def test_orphans_are_containers_of_unknown_services():
    observed = [state("shop-web-1", "h"), state("shop-old-1", "h", service="old")]
    assert orphans(observed, ["web"]) == ["shop-old-1"]


def test_a_service_with_nothing_to_run_is_one_clear_line():
    from composer.errors import ComposerError

    with pytest.raises(ComposerError) as caught:
        spec(WEB, ImageConfig())
    assert caught.value.one_line().startswith("service web: container shop-web-1: no command to run")
