"""`compose run`'s flags applied to its service (composer/cli/run_options.py), as Compose v2 does."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from composer.cli import run_cmd
from composer.cli.run_options import one_off_name, one_off_service, volume_mount
from composer.config.model import PortMapping, Project, Service, Volume
from composer.errors import ComposerError


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    run_cmd.add_arguments(parser)
    return parser.parse_args(argv)


def project() -> Project:
    web = Service(name="web", image="x", environment={"KEEP": "1", "OVER": "old"}, labels={"a": "1"},
                  ports=(PortMapping(target=80, published="8080"),), cap_add=("NET_ADMIN",), restart="always")
    return Project(name="p", project_dir=Path("/srv/app"), services={"web": web}, volumes={"data": Volume(key="data", name="p_data")})


def one_off(*argv: str, env_files=None) -> Service:
    args = parse(*argv)
    args.tty = bool(args.tty)
    proj = project()
    return one_off_service(proj, proj.services["web"], args, one_off_name("p", "web", "0123456789ab"), env_files or {})


def test_name_command_and_what_a_one_off_never_has():
    service = one_off("web", "echo", "hi")
    assert service.container_name == "p-web-run-0123456789ab"
    assert service.command == ("echo", "hi")
    assert (service.restart, service.depends_on, service.ports) == ("no", {}, ())


def test_env_labels_caps_add_to_the_service():
    service = one_off("-e", "OVER=new", "-e", "NEW=2", "-l", "b=2", "--cap-add", "SYS_TIME", "--cap-drop", "CHOWN", "web",
                      env_files={"FROM_FILE": "f", "OVER": "file"})
    assert service.environment == {"KEEP": "1", "OVER": "new", "FROM_FILE": "f", "NEW": "2"}
    assert service.labels == {"a": "1", "b": "2"}
    assert (service.cap_add, service.cap_drop) == (("NET_ADMIN", "SYS_TIME"), ("CHOWN",))


def test_ports_only_when_asked():
    assert one_off("--service-ports", "web").ports == (PortMapping(target=80, published="8080"),)
    assert one_off("-p", "127.0.0.1:9000:90/udp", "web").ports == (PortMapping(target=90, published="9000", host_ip="127.0.0.1", protocol="udp"),)
    with pytest.raises(ComposerError, match="invalid port"):
        one_off("-p", "a:b:c:d", "web")


def test_entrypoint_user_workdir_name():
    service = one_off("--entrypoint", "sh -c", "-u", "65534", "-w", "/tmp", "--name", "mine", "web", "id")
    assert (service.entrypoint, service.user, service.working_dir, service.container_name) == (("sh", "-c"), "65534", "/tmp", "mine")
    assert one_off("--entrypoint", "", "web").entrypoint == ()


def test_volumes_bind_paths_and_project_volumes():
    proj = project()
    bind = volume_mount(proj, "./shared:/mnt:ro")
    assert (bind.type, bind.source, bind.target, bind.read_only) == ("bind", "/srv/app/shared", "/mnt", True)
    named = volume_mount(proj, "data:/data/")
    assert (named.type, named.source, named.target, named.read_only) == ("volume", "data", "/data", False)
    assert volume_mount(proj, "/anon").type == "volume"
    with pytest.raises(ComposerError, match="not declared"):
        volume_mount(proj, "other:/x")
    with pytest.raises(ComposerError, match="invalid volume"):
        volume_mount(proj, "data:/a:ro:z")


def test_interactive_and_tty_flags_as_compose_takes_them():
    assert parse("web").interactive is True and parse("web").tty is None
    combined = parse("-it", "web")
    assert (combined.interactive, combined.tty) == (True, True)
    no_tty = parse("-iT", "web")
    assert (no_tty.interactive, no_tty.no_tty) == (True, True)
    assert parse("--interactive=false", "web").interactive is False
    assert parse("--tty=false", "web").tty is False
    with pytest.raises(SystemExit):
        parse("--interactive=maybe", "web")
