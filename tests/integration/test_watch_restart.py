"""The hot-mounted source loop: a bind-mounted app dir plus a `restart` rule, on real containers.

Each start of the app appends to /state/starts (a bind mount outside the watched dir) and
records the version of the code it started with, so restarts are counted by the app
itself, and cross-checked with the container's pid.
"""

from __future__ import annotations

import time

import pytest

from tests.support.images import BUSYBOX_REF
from test_watch_support import WAIT, container_file, wait_until, watch  # noqa: F401  (fixtures)

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

SETTLE = 2.5  # longer than the debouncer's max delay plus a restart: time for an extra restart to show

HOT_MOUNTED = f"""
services:
  app:
    image: {BUSYBOX_REF}
    network_mode: none
    volumes: ["./src:/app", "./state:/state"]
    command: ["sh", "-c", "sh /app/main.sh; echo started >> /state/starts; trap 'exit 0' TERM; sleep 600 & wait"]
    stop_grace_period: 3s
    develop:
      watch:
        - action: restart
          path: ./src
"""


@pytest.fixture
def hot(project, watch):
    (project.dir / "src").mkdir()
    (project.dir / "state").mkdir()
    (project.dir / "src" / "main.sh").write_text("echo v1 > /tmp/version; echo running v1\n")
    project.write(HOT_MOUNTED)
    watcher = watch("watch")
    watcher.wait_for("Watch enabled")
    return project, watcher


def starts(project) -> int:
    path = project.dir / "state" / "starts"
    return len(path.read_text().splitlines()) if path.exists() else 0


def pid(project) -> int | None:
    return project.containers()[f"{project.name}-app-1"].pid


def test_an_edit_restarts_the_container_which_runs_the_new_code(hot):
    project, watcher = hot
    wait_until(lambda: starts(project) == 1, what="the first start")
    before = pid(project)
    (project.dir / "src" / "main.sh").write_text("echo v2 > /tmp/version; echo running v2\n")
    wait_until(lambda: container_file(project, "app", "/tmp/version") == "v2\n", what="the app running v2")
    assert pid(project) != before and starts(project) == 2
    watcher.wait_for("⟳ app: restarted")


def test_a_thousand_files_changed_at_once_restart_once(hot):
    project, watcher = hot
    wait_until(lambda: starts(project) == 1, what="the first start")
    for i in range(1000):
        (project.dir / "src" / f"module_{i:04d}.py").write_text(f"VALUE = {i}\n")
    wait_until(lambda: starts(project) >= 2, what="a restart after the burst")
    time.sleep(SETTLE)
    assert starts(project) == 2
    assert len(watcher.lines("⟳ app: restarted")) == 1


def test_changes_during_a_restart_give_exactly_one_more_restart(hot):
    project, watcher = hot
    wait_until(lambda: starts(project) == 1, what="the first start")
    (project.dir / "src" / "a.py").write_text("1")
    wait_until(lambda: project.containers()[f"{project.name}-app-1"].status != "running" or starts(project) >= 2, timeout=WAIT, what="the restart to begin")
    for i in range(5):  # while the first restart is under way, or just after it
        (project.dir / "src" / "a.py").write_text(str(i))
        time.sleep(0.02)
    # Whether the burst fell during the first restart (held, then one batch) or after it
    # (one batch: its writes are closer together than the quiet window): one more restart.
    wait_until(lambda: len(watcher.lines("⟳ app: restarted")) >= 2, what="the second restart")
    time.sleep(SETTLE)
    assert len(watcher.lines("⟳ app: restarted")) == 2 and starts(project) == 3


def test_up_watch_streams_logs_across_restarts_and_stops_on_ctrl_c(project, watch):
    (project.dir / "src").mkdir()
    (project.dir / "state").mkdir()
    (project.dir / "src" / "main.sh").write_text("echo running v1\n")
    project.write(HOT_MOUNTED)
    watcher = watch("up", "--watch")
    watcher.wait_for("Watch enabled")
    watcher.wait_for("running v1")
    (project.dir / "src" / "main.sh").write_text("echo running v2\n")
    watcher.wait_for("⟳ app: restarted")
    watcher.wait_for("running v2")
    assert watcher.stop() == 0
    assert project.containers()[f"{project.name}-app-1"].status == "exited"
