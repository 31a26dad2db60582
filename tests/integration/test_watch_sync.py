"""compose watch with real runc containers: sync, deletions, ignores, sync+exec, ownership."""

from __future__ import annotations

import pytest

from tests.support.images import BUSYBOX_REF
from test_watch_support import container_file, wait_until, watch, write_atomically  # noqa: F401  (fixtures)

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

SYNC_PROJECT = f"""
services:
  web:
    image: {BUSYBOX_REF}
    network_mode: none
    user: "1000:1000"
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 600 & wait"]
    stop_grace_period: 2s
    develop:
      watch:
        - action: sync
          path: ./app
          target: /srv/app
          ignore: [node_modules/, "*.log"]
        - action: sync+exec
          path: ./conf
          target: /etc/app
          exec:
            command: ["sh", "-c", "cat /etc/app/app.conf > /tmp/reloaded; id -u >> /tmp/reloaded"]
"""


@pytest.fixture
def synced(project, watch):
    (project.dir / "app").mkdir()
    (project.dir / "conf").mkdir()
    (project.dir / "app" / "index.html").write_text("v1\n")
    project.write(SYNC_PROJECT)
    watcher = watch("watch")
    watcher.wait_for("Watch enabled")
    return project, watcher


def test_an_edit_is_visible_in_the_container_then_a_delete_removes_it(synced):
    project, watcher = synced
    page = project.dir / "app" / "index.html"
    page.write_text("v2\n")
    wait_until(lambda: container_file(project, "web", "/srv/app/index.html") == "v2\n", what="v2 in the container")
    write_atomically(page, "v3 saved by an editor\n")
    wait_until(lambda: container_file(project, "web", "/srv/app/index.html") == "v3 saved by an editor\n", what="v3")
    (project.dir / "app" / "deep" / "er").mkdir(parents=True)
    (project.dir / "app" / "deep" / "er" / "x.js").write_text("x")
    wait_until(lambda: container_file(project, "web", "/srv/app/deep/er/x.js") == "x", what="a new nested file")
    owner = project.compose("exec", "-T", "web", "stat", "-c", "%u:%g", "/srv/app/deep/er/x.js", "/srv/app/deep").stdout.split()
    assert owner == ["1000:1000", "1000:1000"]  # the container's user
    page.unlink()
    wait_until(lambda: container_file(project, "web", "/srv/app/index.html") is None, what="the delete in the container")
    assert watcher.lines("⟳ web: synced")
    assert "Traceback" not in watcher.output


def test_ignored_files_trigger_nothing(synced):
    project, watcher = synced
    app = project.dir / "app"
    (app / "node_modules" / "lib").mkdir(parents=True)
    for name in ("node_modules/lib/index.js", "debug.log", ".index.html.swp", "index.html~", ".#index.html"):
        (app / name).write_text("noise")
    (app / ".git").mkdir()
    (app / ".git" / "HEAD").write_text("ref: refs/heads/main")
    (app / "sentinel").write_text("after the noise")  # written last: once it is in, the noise was handled
    wait_until(lambda: container_file(project, "web", "/srv/app/sentinel") == "after the noise", what="the sentinel")
    listing = project.compose("exec", "-T", "web", "find", "/srv/app").stdout.split()
    assert sorted(listing) == ["/srv/app", "/srv/app/sentinel"]  # index.html predates the watch (no initial_sync)
    assert all("synced 1 file " in line for line in watcher.lines("⟳ web: synced"))


def test_sync_exec_runs_its_command_after_the_sync(synced):
    project, watcher = synced
    (project.dir / "conf" / "app.conf").write_text("level=debug\n")
    wait_until(lambda: container_file(project, "web", "/tmp/reloaded"), what="the exec hook's output")
    assert container_file(project, "web", "/tmp/reloaded") == "level=debug\n1000\n"  # as the service's user
    watcher.wait_for("⟳ web: ran `sh -c")


def test_initial_sync_brings_the_container_up_to_date_at_start(project, watch):
    (project.dir / "app").mkdir()
    (project.dir / "app" / "made-before.txt").write_text("before watch")
    project.write(SYNC_PROJECT.replace("ignore: [node_modules/, \"*.log\"]", "initial_sync: true"))
    assert project.compose("up", "-d").returncode == 0
    (project.dir / "conf").mkdir()
    watcher = watch("watch", "--no-up")
    watcher.wait_for("Watch enabled")
    wait_until(lambda: container_file(project, "web", "/srv/app/made-before.txt") == "before watch", what="the initial sync")
