"""Bad input to compose watch: one clear line each, exit 1, never a traceback."""

from __future__ import annotations

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root


def service(rule: str, extra: str = "") -> str:
    return f"""
services:
  web:
    image: {BUSYBOX_REF}
    network_mode: none
    command: ["sleep", "600"]
    develop:
      watch:
        - {rule}
{extra}"""


NO_WATCH = """
  db:
    image: {image}
    network_mode: none
    command: ["sleep", "600"]
""".format(image=BUSYBOX_REF)


@pytest.mark.parametrize(
    "compose_yaml, args, expected",
    [
        (service("{action: sync, path: ./nowhere, target: /app}"), ("watch", "--no-up"),
         "services.web.develop.watch[0].path: ./nowhere does not exist; create it or fix the path"),
        (service("{action: sync, path: ./app, target: app}"), ("watch", "--no-up"),
         "services.web.develop.watch[0].target: 'app' is not an absolute path in the container; use e.g. /app"),
        (service("{action: sync, path: ./app, target: /app/../../etc}"), ("watch", "--no-up"),
         "services.web.develop.watch[0].target: '/app/../../etc' goes outside the container's filesystem"),
        (service("{action: sync, path: ./app}"), ("watch", "--no-up"),
         "services.web.develop.watch[0]: action sync needs a target"),
        (service("{action: rebuild, path: ./app}"), ("watch", "--no-up"),
         "services.web.develop.watch[0]: action rebuild needs a build section in service web"),
        (service("{action: sync, path: ./app, target: /app}"), ("watch", "--no-up"),
         "service web has no running container to watch; start it with compose up -d"),
        (service("{action: sync, path: ./app, target: /app}", NO_WATCH), ("watch", "--no-up", "db"),
         "service db has no develop.watch section"),
        (service("{action: sync, path: ./app, target: /app}"), ("watch", "--no-up", "nope"),
         "no such service: 'nope'"),
        (service("{action: sync, path: ./app, target: /proc/app}"), ("watch",),
         "services.web.develop.watch[0].target: /proc/app is on a proc mount at /proc"),
        (NO_WATCH.join(["services:", ""]), ("watch", "--no-up"),
         "none of the services has a develop.watch section"),
    ],
    ids=["missing-path", "relative-target", "dotdot-target", "no-target", "rebuild-without-build",
         "no-running-container", "service-without-watch", "unknown-service", "target-on-proc", "nothing-to-watch"],
)  # fmt: skip
def test_bad_input_is_one_line(project, compose_yaml, args, expected):
    (project.dir / "app").mkdir()
    project.write(compose_yaml)
    result = project.compose(*args, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and expected in errors[0], result.stderr
    assert "Traceback" not in result.stderr


def test_every_problem_is_reported_at_once(project):
    project.write(service("{action: sync, path: ./nowhere, target: relative}"))
    result = project.compose("watch", "--no-up")
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 1 and len(errors) == 2, result.stderr
    assert "does not exist" in errors[0] and "not an absolute path" in errors[1]


def test_up_watch_refuses_detach(project):
    (project.dir / "app").mkdir()
    project.write(service("{action: sync, path: ./app, target: /app}"))
    result = project.compose("up", "--watch", "-d")
    assert result.returncode == 1
    assert result.stderr.strip() == "error: up --watch runs attached: it cannot be combined with --detach, --wait or --no-start; use compose watch for a detached project"
