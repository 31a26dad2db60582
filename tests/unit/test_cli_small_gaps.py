"""Small Compose v2 flags: `ls --filter name=…` and `pull --include-deps` (their pure parts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.cli.ls_cmd import name_filters
from composer.cli.pull_cmd import with_dependencies
from composer.config.model import Project, Service
from composer.errors import ComposerError


def test_ls_takes_name_filters_only_as_compose():
    assert name_filters(["name=web", "name=app"]) == ["web", "app"]
    with pytest.raises(ComposerError, match="invalid filter 'status'"):
        name_filters(["status=running"])
    with pytest.raises(ComposerError, match="bad format of filter"):
        name_filters(["web"])


def test_pull_include_deps_follows_depends_on_transitively():
    services = {
        "web": Service(name="web", image="w", depends_on={"api": None}),
        "api": Service(name="api", image="a", depends_on={"db": None}),
        "db": Service(name="db", image="d"),
        "other": Service(name="other", image="o"),
    }
    project = Project(name="p", project_dir=Path("/p"), services=services)
    assert with_dependencies(project, {"web"}) == {"web", "api", "db"}
    assert with_dependencies(project, {"db"}) == {"db"}
    assert with_dependencies(project, set()) == set()
