"""kill -9 of `compose up` and `compose down` at every named crash point (composer/crash.py).

After each kill: `down -v` leaves nothing of the project on the host (tests/support/leftovers.py
lists what it looks for), and an `up` run after the same kill converges: every container
running, the published port and the ambassador answering with the volume's page.
"""

from __future__ import annotations

import pytest

from tests.support.crash_project import NETWORK_KEYS, CrashProject
from tests.support.leftovers import leftovers

pytest_plugins = ["tests.support.crash_project"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

UP_POINTS = [
    "up.recorded", "network.made", "network.made#2", "image.unpacked", "volume.labelled",
    "attach.netns", "attach.interface", "attach.interface#2", "create.mounted", "create.configured",
    "create.runtime-made", "create.hosts-written", "start.launching", "start.supervisor-asked",
    "targets.written", "ambassador.attached", "proxy.started", "proxy.started#2",
    "ports.targets-written", "up.converging",
]
DOWN_POINTS = [
    "stop.signalled", "remove.runc-deleted", "remove.unmounted", "remove.runtime-gone",
    "detach.interface", "proxy.stopped", "down.detached", "network.removed", "volume.removed",
    "down.forgetting",
]


def assert_clean(project: CrashProject) -> None:
    result = project.compose("down", "-v", "-t", "1")
    assert result.returncode == 0, result.stderr
    assert leftovers(project.name, NETWORK_KEYS) == {}


@pytest.mark.parametrize("point", UP_POINTS)
def test_kill_9_during_up_then_down_cleans_and_up_converges(crash_project, point):
    crash_project.crash("up", "-d", at=point)
    assert_clean(crash_project)
    crash_project.crash("up", "-d", at=point)
    crash_project.assert_converges()
    assert_clean(crash_project)


@pytest.mark.parametrize("point", DOWN_POINTS)
def test_kill_9_during_down_then_down_cleans_and_up_converges(crash_project, point):
    crash_project.compose("up", "-d", check=True)
    crash_project.crash("down", "-v", "-t", "1", at=point)
    assert_clean(crash_project)
    crash_project.compose("up", "-d", check=True)
    crash_project.crash("down", "-v", "-t", "1", at=point)
    crash_project.assert_converges()
    assert_clean(crash_project)
