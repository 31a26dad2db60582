"""composer.state_watch.StateWatcher on real directories and real inotify: what wakes it, what does not."""

from __future__ import annotations

import os
from pathlib import Path

from composer.drivers.runc.state_watch import StateWatcher

QUIET = 0.2  # seconds to wait for an event that must not come


def replace_file(path: Path, text: str) -> None:
    """As the supervisor writes state.json: a temporary file renamed over it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.rename(tmp, path)


def test_wakes_on_a_new_container_dir_and_on_a_renamed_state_file(tmp_path):
    root = tmp_path / "containers"
    root.mkdir()
    with StateWatcher(root) as watcher:
        assert watcher.wait(QUIET) is False
        (root / "p-web-1").mkdir()
        assert watcher.wait(5) is True
        assert watcher.wait(QUIET) is False
        replace_file(root / "p-web-1" / "state.json", "{}")
        assert watcher.wait(5) is True


def test_a_containers_dir_made_later_and_a_dir_removed_and_made_again(tmp_path):
    root = tmp_path / "containers"
    with StateWatcher(root) as watcher:
        root.mkdir()
        watcher.wait(QUIET)  # the next look finds and watches it
        (root / "p-db-1").mkdir()
        assert watcher.wait(5) is True
        (root / "p-db-1").rmdir()
        assert watcher.wait(5) is True
        (root / "p-db-1").mkdir()
        assert watcher.wait(5) is True
        watcher.wait(QUIET)
        replace_file(root / "p-db-1" / "stop-request", "{}")
        assert watcher.wait(5) is True  # the new dir is watched, not the old watch's ghost


def test_files_that_change_on_every_probe_do_not_wake_it(tmp_path):
    state_dir = tmp_path / "p-web-1"
    state_dir.mkdir()
    with StateWatcher(tmp_path) as watcher:
        (state_dir / "probe.pid").write_text("42")
        (state_dir / "probe.pid").unlink()
        (state_dir / "runc.log").write_text("{}")
        assert watcher.wait(QUIET) is False
        replace_file(state_dir / "state.json", "{}")
        assert watcher.wait(5) is True


def test_changes_below_a_state_dir_are_not_watched(tmp_path):
    """Never the rootfs: only the state dir itself."""
    rootfs = tmp_path / "containers" / "p-web-1" / "rootfs"
    rootfs.mkdir(parents=True)
    with StateWatcher(tmp_path / "containers") as watcher:
        (rootfs / "file").write_text("x")
        assert watcher.wait(QUIET) is False


def test_close_releases_the_descriptor(tmp_path):
    watcher = StateWatcher(tmp_path)
    fds = set(os.listdir("/proc/self/fd"))
    watcher.close()
    assert len(set(os.listdir("/proc/self/fd"))) == len(fds) - 1
