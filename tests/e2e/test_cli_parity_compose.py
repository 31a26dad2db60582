"""Side by side with Compose v2 (2.40, the reference binary) on a private Docker engine: the
new verbs' output shapes must match — volumes' table and json, ps -q and {{.ID}}, stats'
json fields, scale's containers, create's states, cp's modes and owners.

Skips with the reason when dockerd or the reference binary cannot be had here."""

from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from tests.support.compose_reference import masked, twin
from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project", "tests.support.compose_reference"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

FILES = f"""
services:
  web:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    volumes: [data:/data]
  other:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    user: nobody  # docker cp -a looks the user up on the host: it must exist there too
volumes:
  data: {{}}
"""


@pytest.fixture
def both(reference_engine, project, tmp_path):
    project, reference = twin(reference_engine, tmp_path, project, FILES)
    yield project, reference
    reference.compose("down", "-v", "-t", "1", check=False)


def ours(project, *args: str) -> subprocess.CompletedProcess:
    return project.compose(*args, check=True)


def test_create_volumes_and_ids_match(both):
    project, reference = both
    ours(project, "create")
    reference.compose("create")
    states = lambda rows: sorted((r["Service"], r["State"]) for r in rows)  # noqa: E731
    theirs = [json.loads(line) for line in reference.compose("ps", "-a", "--format", "json").stdout.splitlines()]
    assert states(project.ps().values()) == states(theirs)
    assert masked(ours(project, "volumes").stdout, project.name) == masked(reference.compose("volumes").stdout, reference.name)
    assert ours(project, "volumes", "-q").stdout.replace(project.name, "P") == reference.compose("volumes", "-q").stdout.replace(reference.name, "P")
    our_row = json.loads(ours(project, "volumes", "--format", "json").stdout)
    their_row = json.loads(reference.compose("volumes", "--format", "json").stdout)
    assert set(our_row) == set(their_row)
    for args in (("ps", "-a", "-q"), ("ps", "-a", "--format", "{{.ID}}"), ("ps", "-a", "--no-trunc", "--format", "{{.ID}}")):
        mine, theirs_ = ours(project, *args).stdout.split(), reference.compose(*args).stdout.split()
        assert [len(i) for i in mine] == [len(i) for i in theirs_], args
        assert all(re.fullmatch(r"[0-9a-f]+", i) for i in mine)


def test_stats_json_fields_match(both):
    project, reference = both
    ours(project, "up", "-d")
    reference.compose("up", "-d")
    mine = [json.loads(line) for line in ours(project, "stats", "--no-stream", "--format", "json").stdout.splitlines()]
    theirs = [json.loads(line) for line in reference.compose("stats", "--no-stream", "--format", "json").stdout.splitlines()]
    assert len(mine) == len(theirs) == 2
    assert [sorted(row) for row in mine] == [sorted(row) for row in theirs]
    header = lambda text: text.splitlines()[0].split()  # noqa: E731
    assert header(ours(project, "stats", "--no-stream").stdout) == header(reference.compose("stats", "--no-stream").stdout)


def test_scale_makes_the_same_containers(both):
    project, reference = both
    ours(project, "scale", "web=2")
    reference.compose("scale", "web=2")
    names = lambda out, name: sorted(masked(line, name) for line in out.split())  # noqa: E731
    assert names(ours(project, "ps", "--format", "{{.Name}}").stdout, project.name) == names(
        reference.compose("ps", "--format", "{{.Name}}").stdout, reference.name)


def test_cp_modes_and_owners_match(both, tmp_path):
    project, reference = both
    ours(project, "up", "-d")
    reference.compose("up", "-d")
    source = tmp_path / "tool.sh"
    source.write_text("#!/bin/sh\n")
    source.chmod(0o751)
    os.chown(source, 1234, 2345)
    stat = ("exec", "-T", "web", "stat", "-c", "%a %u %g", "/data/plain.sh", "/data/kept.sh")
    as_user = ("exec", "-T", "other", "stat", "-c", "%a %u %g", "/tmp/plain.sh", "/tmp/user.sh")
    for run in (lambda *a: ours(project, *a), reference.compose):
        run("cp", str(source), "web:/data/plain.sh")
        run("cp", "-a", str(source), "web:/data/kept.sh")
        run("cp", str(source), "other:/tmp/plain.sh")
        run("cp", "-a", str(source), "other:/tmp/user.sh")
    assert ours(project, *stat).stdout == reference.compose(*stat).stdout
    assert ours(project, *as_user).stdout == reference.compose(*as_user).stdout
