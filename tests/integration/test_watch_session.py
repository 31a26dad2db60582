"""WatchSession in-process, on real inotify: events become batches, and stop() leaves no thread."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from composer.config.model import Develop, Project, Service, WatchRule
from composer.drivers.runc.driver import RuncDriver
from composer.watch.actions import ServiceWatch, WatchEvent
from composer.watch.rules import watched_rule
from composer.watch.session import WatchSession
from test_watch_support import wait_until


def session_for(tmp_path: Path, events: list[WatchEvent], rule: WatchRule) -> WatchSession:
    service = Service(name="web", develop=Develop(watch=(rule,)))
    watch = ServiceWatch(service, (watched_rule(service, 0, rule),))
    project = Project(name=f"ws{os.getpid()}", project_dir=tmp_path)
    return WatchSession(project, [watch], RuncDriver(), events.append)


def test_a_burst_becomes_one_batch_and_stop_leaves_no_thread(tmp_path):
    (tmp_path / "src").mkdir()
    before = threading.active_count()
    events: list[WatchEvent] = []
    with session_for(tmp_path, events, WatchRule(path=str(tmp_path / "src"), action="restart")):
        for i in range(200):
            (tmp_path / "src" / f"f{i}.py").write_text("x")
        (tmp_path / "src" / ".f0.py.swp").write_text("ignored")
        wait_until(lambda: events, what="the batch's outcome")
    # The project has no container: the batch is reported, as one line, not applied.
    assert events == [WatchEvent("web", "no container to update for 200 change(s); start it with compose up -d", failed=True)]
    wait_until(lambda: threading.active_count() == before, timeout=5, what="the session's threads to end")


def test_a_watched_file_is_seen_through_an_atomic_save(tmp_path):
    conf = tmp_path / "app.conf"
    conf.write_text("a")
    events: list[WatchEvent] = []
    with session_for(tmp_path, events, WatchRule(path=str(conf), action="restart")):
        (tmp_path / "unrelated.txt").write_text("not watched")
        temp = tmp_path / ".app.conf.tmp"
        temp.write_text("b")
        os.replace(temp, conf)  # a new inode: a watch on the old one would miss the next save
        wait_until(lambda: events, what="the first save")
        temp.write_text("c")
        os.replace(temp, conf)
        wait_until(lambda: len(events) == 2, what="the second save")
    assert all("1 change(s)" in e.text for e in events)
