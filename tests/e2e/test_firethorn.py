"""examples/firethorn end to end, as a user runs it: prepare (base image + builds),
`up --wait`, the replaying tester, the API on the published port, the catalogue reached
only through its ambassador, an edited source served after `compose watch` restarts the
service, rotated logs on the host, and `down -v` leaving nothing behind.

The example is copied to a temporary directory (the watch test edits a source file, and
logs land beside the compose file) and run under its own project name and a free port.
The first run makes the Debian base image (about a minute) and builds three images.
Skipped, with the reason, while `compose up` cannot yet connect services by name and
through an ambassador: a two-service busybox probe finds out in a few seconds.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.debian_base import debian_base_unavailable

pytest_plugins = ["tests.support.images"]
pytestmark = [pytest.mark.slow, pytest.mark.needs_root]

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "firethorn"
DEV_FILES = ("-f", "compose.yaml", "-f", "compose.dev.yaml")
LOG_TEST_FILES = ("-f", "compose.yaml", "-f", "small-logs.yaml")
SMALL_LOGS = "services:\n  tester:\n    logging:\n      options: {max-size: 16k, max-file: \"3\"}\n"

# busybox-static's wget crashes without glibc's NSS modules in the image, so the probe
# resolves names itself (/etc/hosts, else the DNS server) and speaks HTTP through nc.
PROBE = """
services:
  web:
    image: {image}
    command: ["sh", "-c", "echo probe-ok > /tmp/index.html && exec httpd -f -p 8000 -h /tmp"]
  client:
    image: {image}
    depends_on: [web, relay]
    command:
      - sh
      - -c
      - |
        resolve() {{
          awk -v n="$$1" '{{for (i = 2; i <= NF; i++) if ($$i == n) {{print $$1; exit}}}}' /etc/hosts | grep . ||
            nslookup "$$1" 2>/dev/null | awk '/^Address/ {{a = $$NF}} END {{if (a) print a}}'
        }}
        fetch() {{ printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 2 "$$(resolve $$1)" "$$2" | grep probe-ok; }}
        i=0
        while [ $$i -lt 50 ]; do
          fetch web 8000 && fetch relay 9000 && exit 0
          i=$$((i + 1)); sleep 0.2
        done
        exit 1
ambassadors:
  relay:
    listen: tcp://:9000
    target: tcp://web:8000
"""


class Compose:
    """The compose CLI on one project directory, under one project name and environment."""

    def __init__(self, directory: Path, name: str, env: dict[str, str]) -> None:
        self.dir, self.name = directory, name
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}, **env}

    def __call__(self, *args: str, files: tuple[str, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess:
        argv = [sys.executable, "-m", "composer", "-p", self.name, *files, *args]
        return subprocess.run(argv, cwd=self.dir, env=self.env, capture_output=True, text=True, timeout=timeout)

    def popen(self, *args: str, files: tuple[str, ...] = ()) -> subprocess.Popen:
        argv = [sys.executable, "-m", "composer", "-p", self.name, *files, *args]
        return subprocess.Popen(argv, cwd=self.dir, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def down(self) -> subprocess.CompletedProcess:
        return self("--profile", "test", "down", "-v", "--remove-orphans", "-t", "5", timeout=180)


def _last_line(result: subprocess.CompletedProcess) -> str:
    lines = (result.stderr + result.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {result.returncode}"


@pytest.fixture(scope="module")
def networked_up(tmp_path_factory: pytest.TempPathFactory, busybox_ref: str) -> None:
    """Skip the module unless services reach each other by name and through an ambassador."""
    probe = Compose(tmp_path_factory.mktemp("probe"), f"probe{secrets.token_hex(3)}", {})
    (probe.dir / "compose.yaml").write_text(PROBE.format(image=busybox_ref))
    try:
        result = probe("up", "--exit-code-from", "client", timeout=120)
    finally:
        probe.down()
    if result.returncode != 0 or (result.stdout + result.stderr).count("probe-ok") < 2:
        pytest.skip(f"compose up cannot yet connect services by name and through an ambassador: {_last_line(result)}")


@pytest.fixture(scope="module")
def stack(networked_up: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Compose]:
    """The example built and up (--wait), in a copy of its directory; down -v afterwards."""
    reason = debian_base_unavailable() or (None if shutil.which("buildah") else "buildah is not installed")
    if reason:
        pytest.skip(reason)
    directory = tmp_path_factory.mktemp("example") / "firethorn"
    shutil.copytree(EXAMPLE, directory, ignore=shutil.ignore_patterns("logs", "__pycache__"))
    (directory / "small-logs.yaml").write_text(SMALL_LOGS)
    compose = Compose(directory, f"ft{secrets.token_hex(3)}", {"FIRETHORN_PORT": str(_free_port())})
    try:
        prepared = subprocess.run([sys.executable, str(EXAMPLE / "prepare.py")], env=compose.env, capture_output=True, text=True, timeout=1200)
        assert prepared.returncode == 0, prepared.stdout + prepared.stderr
        up = compose("up", "-d", "--wait", "--wait-timeout", "600", timeout=900)
        assert up.returncode == 0, up.stdout + up.stderr
        yield compose
    finally:
        compose.down()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def api(compose: Compose, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    url = f"http://127.0.0.1:{compose.env['FIRETHORN_PORT']}{path}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def run_query(compose: Compose, sql: str) -> dict:
    status, queued = api(compose, "POST", "/queries", {"sql": sql})
    assert status == 202, queued
    status, state = api(compose, "GET", f"/queries/{queued['id']}?wait=30")
    assert status == 200 and state["status"] == "done", state
    status, results = api(compose, "GET", f"/queries/{queued['id']}/results")
    assert status == 200, results
    return results


def test_the_tester_finds_every_query_matching_and_its_rotated_logs_are_on_the_host(stack: Compose):
    result = stack("run", "--rm", "-e", "LOOPS=2", "tester", files=LOG_TEST_FILES, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "tester: 0 failure(s)" in result.stdout
    logs = sorted((stack.dir / "logs").glob(f"{stack.name}-tester-run-*.log*"))
    assert len(logs) >= 2, f"expected a rotated tester log in {stack.dir / 'logs'}, found {logs}"
    records = [json.loads(line)["log"] for path in logs for line in path.read_text().splitlines()]
    assert any("result=ok" in line for line in records)
    assert all("result=FAIL" not in line for line in records)
    assert (stack.dir / "logs" / f"{stack.name}-firethorn-1.log").is_file()


def test_the_api_answers_on_the_published_port(stack: Compose):
    assert api(stack, "GET", "/health")[0] == 200
    results = run_query(stack, "SELECT kind, count(*) AS n FROM stars GROUP BY kind ORDER BY kind")
    assert results["columns"] == ["kind", "n"]
    assert sum(n for _, n in results["rows"]) == 300_000
    status, refused = api(stack, "POST", "/queries", {"sql": "DELETE FROM stars"})
    assert status == 400 and "only SELECT" in refused["error"]
    status, history = api(stack, "GET", "/queries?limit=5")
    assert status == 200 and history[0]["sql"].startswith("SELECT kind")


def test_firethorn_reaches_the_catalogue_only_through_its_ambassador(stack: Compose):
    run_query(stack, "SELECT 1")  # every worker keeps its catalogue connection open
    own = stack("exec", "firethorn", "hostname", "-I")
    assert own.returncode == 0, own.stderr
    seen = stack("exec", "pgcat", "psql", "-tA", "-h", "/run/postgresql", "-U", "postgres", "-d", "catalogue",
                 "-c", "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE usename = 'firethorn'")  # fmt: skip
    assert seen.returncode == 0, seen.stderr
    sources = set(seen.stdout.split())
    assert sources, "pgcat sees no connection from firethorn"
    assert not sources & set(own.stdout.split()), f"pgcat sees firethorn's own address {sources}: it did not come through the ambassador"


def test_queries_wait_in_the_ambassador_while_pgcat_is_down(stack: Compose):
    assert stack("stop", "pgcat").returncode == 0
    try:
        queued = [api(stack, "POST", "/queries", {"sql": f"SELECT {n} AS n, count(*) FROM stars"})[1]["id"] for n in range(3)]
        time.sleep(2)  # the workers' connections wait in the ambassador meanwhile
    finally:
        assert stack("start", "pgcat").returncode == 0
    for query_id in queued:
        status, state = api(stack, "GET", f"/queries/{query_id}?wait=60")
        assert (status, state["status"], state["error"]) == (200, "done", None), state


def test_an_edited_source_is_served_after_watch_restarts_the_service(stack: Compose):
    if stack("watch", "--help", timeout=30).returncode != 0:
        pytest.skip("compose watch is not available yet")
    up = stack("up", "-d", "--wait", "--wait-timeout", "300", files=DEV_FILES, timeout=400)
    assert up.returncode == 0, up.stdout + up.stderr
    watch = stack.popen("watch", "--no-up", files=DEV_FILES)
    try:
        _wait_for_line(watch, "Watch enabled", seconds=60)
        about = stack.dir / "service" / "firethorn" / "about.py"
        about.write_text(about.read_text().replace('BANNER = "', 'BANNER = "edited: '))
        deadline = time.monotonic() + 90
        while not _banner(stack).startswith("edited: "):
            assert time.monotonic() < deadline, "the edited banner was not served within 90 s"
            time.sleep(1)
    finally:
        watch.terminate()
        watch.wait(30)


def _wait_for_line(process: subprocess.Popen, text: str, seconds: float) -> None:
    """Wait until the process prints a line holding `text` (a reader thread: bounded)."""
    seen: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]  (until the process ends)
            seen.append(line)
            if text in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(seconds), f"no {text!r} from compose watch in {seconds} s: {''.join(seen)[-2000:]}"


def _banner(compose: Compose) -> str:
    try:
        return api(compose, "GET", "/")[1].get("banner", "")
    except (urllib.error.URLError, OSError, ValueError):
        return ""  # restarting


def test_down_removes_the_stack_and_leaves_the_host_clean(stack: Compose):
    from composer.drivers.runc.resources import volumes_root
    from composer.drivers.runc.driver import RuncDriver

    result = stack.down()
    assert result.returncode == 0, result.stderr
    assert RuncDriver().containers(stack.name) == []
    assert not list(volumes_root().glob(f"{stack.name}_*"))
    namespaces = os.listdir("/run/netns") if os.path.isdir("/run/netns") else []
    assert [name for name in namespaces if name.startswith(f"{stack.name}-")] == []
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(stack.env["FIRETHORN_PORT"])), timeout=2).close()
