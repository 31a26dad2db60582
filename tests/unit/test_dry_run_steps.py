"""--dry-run's pure parts: the lines per planned step, the prefix, host paths without writes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from composer.verbs import dry_run
from composer.drivers.runc import resources
from composer.cli.progress import PlainProgress
from composer.config.model import Project, ProjectFile
from composer.errors import ComposerError
from composer.plan.service import Step


@pytest.mark.parametrize("step, no_start, lines", [
    (Step.CREATE, False, ("Creating", "Created", "Starting", "Started")),
    (Step.CREATE, True, ("Creating", "Created")),
    (Step.RECREATE, False, ("Recreate", "Recreated", "Starting", "Started")),
    (Step.START, False, ("Starting", "Started")),
    (Step.START, True, ()),
    (Step.KEEP, False, ("Running",)),
    (Step.REMOVE, False, ("Stopping", "Stopped", "Removing", "Removed")),
], ids=lambda v: getattr(v, "name", str(v)))
def test_each_planned_step_prints_composes_lines(step, no_start, lines):
    assert dry_run.action_steps(step, no_start) == lines


def test_lines_carry_composes_dry_run_prefix():
    stream = io.StringIO()
    dry_run.DryRunReporter(PlainProgress("plain", stream)).steps("Container", "p-web-1", "Creating", "Created")
    assert stream.getvalue() == " DRY-RUN MODE -  Container p-web-1  Creating\n DRY-RUN MODE -  Container p-web-1  Created\n"


def test_inline_config_gets_up_s_path_but_no_file():
    project = Project(name="dryunit", project_dir=Path("/"))
    path = resources.file_path(project, "config", ProjectFile(key="greeting", name="greeting", content="hello"))
    assert path == str(resources.project_files_dir(project) / "config-greeting")
    assert not resources.project_files_dir(project).exists()


@pytest.mark.parametrize("item, message", [
    (ProjectFile(key="k", name="k", file="/nonexistent/k.txt"), "secret k: file /nonexistent/k.txt not found"),
    (ProjectFile(key="k", name="k", external=True), "secret k is external, which needs a swarm"),
    (ProjectFile(key="k", name="k", environment="DRY_RUN_UNSET_VARIABLE"), "secret k: environment variable DRY_RUN_UNSET_VARIABLE is not set"),
], ids=["missing file", "external", "unset variable"])
def test_secrets_up_would_refuse_are_refused_with_up_s_message(item, message):
    with pytest.raises(ComposerError) as caught:
        resources.file_path(Project(name="dryunit", project_dir=Path("/")), "secret", item)
    assert caught.value.message == message
