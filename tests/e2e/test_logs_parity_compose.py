"""Log lines of `up` (attached, --abort-on-container-exit, --exit-code-from) and `logs`
side by side with Compose v2 (2.40, the reference binary) on a private Docker engine:
the `web-1  | ` prefixes, "Attaching to", "exited with code", exit codes, --no-log-prefix.

Lines of different containers interleave as they come, in both tools, so each tool's
lines are compared as sorted lists. Compose widens the prefix column as containers
attach (a line printed before a longer name attached is narrower), so the padding
before ` | ` is compared as one space. Skips with the reason when no engine can be had."""

from __future__ import annotations

import re

import pytest

from tests.support.compose_reference import masked, twin
from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project", "tests.support.compose_reference"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

FILES = f"""
services:
  a:
    image: {BUSYBOX_REF}
    command: [sh, -c, "echo one; sleep 1; echo two >&2"]
  longname:
    image: {BUSYBOX_REF}
    command: [sh, -c, "sleep 0.5; echo three; sleep 2; exit 4"]
"""


@pytest.fixture
def both(reference_engine, project, tmp_path):
    project, reference = twin(reference_engine, tmp_path, project, FILES)
    yield project, reference
    reference.compose("down", "-v", "-t", "0", check=False)


def lines(text: str, name: str) -> list[str]:
    return sorted(re.sub(r"^(\S+) +\| ", r"\1 | ", line) for line in masked(text, name).splitlines())


def test_up_abort_on_exit_and_logs_print_as_compose(both):
    project, reference = both
    ours = project.compose("up", "--abort-on-container-exit")
    theirs = reference.compose("up", "--abort-on-container-exit", check=False)
    assert ours.returncode == theirs.returncode == 0  # a-1 ended first, with 0
    assert lines(ours.stdout, project.name) == lines(theirs.stdout, reference.name)
    assert ours.stdout.splitlines()[0] == theirs.stdout.splitlines()[0] == "Attaching to a-1, longname-1"
    assert "Aborting on container exit..." in ours.stderr and "Aborting on container exit..." in theirs.stderr
    for args in (("logs",), ("logs", "--no-log-prefix"), ("logs", "a")):
        assert lines(project.compose(*args).stdout, project.name) == lines(reference.compose(*args).stdout, reference.name), args
    assert project.compose("logs", "a").stdout == reference.compose("logs", "a").stdout == "a-1  | one\na-1  | two\n"


def test_exit_code_from_is_that_services(both):
    project, reference = both
    ours = project.compose("up", "--exit-code-from", "longname")
    theirs = reference.compose("up", "--exit-code-from", "longname", check=False)
    assert ours.returncode == theirs.returncode == 4
    assert lines(ours.stdout, project.name) == lines(theirs.stdout, reference.name)
