"""Broken compose files, as a user would hand them over: every one is refused by `config`,
`up --dry-run` and `up` with one error line naming file:line (and the key path where there
is one), exit status 1, no traceback, nothing created. Each run's CPU time is reported at
the end of the module (the budget is 1 s); a generous timeout only catches hangs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "broken"
HANG = 30  # seconds: a run this long has hung (the budget is 1 s)

# case → (line the error names, or None for a whole-file error; text the line must contain)
EXPECTED = {
    "bad-interpolation": (3, "services.web.image: invalid interpolation format"),
    "bad-network-mode": (4, "services.web.network_mode: service 'web' depends on undefined service 'nobody'"),
    "bad-service-name": (2, "'we b' is not a valid service name"),
    "billion-laughs": (1, "expands to more than"),
    "binary": (1, "character U+0000 is not allowed"),
    "container-name-collision": (3, "services.b.container_name: container name 'same' is already in use"),
    "container-name-path": (2, "services.a.container_name: '../escape' is not a valid container name"),
    "cycle-alias": (1, "an alias refers to a node that contains it"),
    "cycle-depends-on": (None, "services.a: dependency cycle: a -> b -> a"),  # found on the graph, after marks are gone
    "cycle-extends": (4, "services.a.extends: extends cycle"),
    "deep-block-nesting": (202, "YAML nesting is deeper than 200 levels"),
    "deep-flow-nesting": (4, "YAML nesting is deeper than 200 levels"),
    "duplicate-key": (3, "mapping key 'web' already defined at line 2"),
    "duration-garbage": (6, "services.web.healthcheck.interval: 'soon' is not a duration"),
    "duration-no-unit": (4, "services.web.stop_grace_period: 30 is not a duration"),
    "empty": (None, "empty compose file"),
    "latin1-bom-less": (4, "not UTF-8 text"),
    "no-image-no-build": (2, "services.web: service 'web' has neither an image nor a build context"),
    "non-string-key": (2, "non-string key 1"),
    "non-utf8": (3, "not UTF-8 text"),
    "nul-byte": (2, "character U+0000 is not allowed"),
    "port-bad-host-ip": (4, "services.web.ports[0]: '300.1.1.1:80:80' is not a port mapping"),
    "port-bad-protocol": (4, "services.web.ports[0]: '80/quic' is not a port mapping"),
    "port-container-out-of-range": (4, "services.web.ports[0]: '8080:65536' is not a port mapping"),
    "port-negative": (4, "services.web.ports[0]: '-1:80' is not a port mapping"),
    "port-no-target": (4, "services.web.ports[0]: '8080:0' is missing a target port"),
    "port-out-of-range": (4, "services.web.ports[0]: '70000:80' is not a port mapping"),
    "port-range-mismatch": (4, "services.web.ports[0]: '8000-8002:80-81' is not a port mapping"),
    "restart-unknown": (4, "services.web.restart: 'sometimes' is not a restart policy"),
    "size-garbage": (4, "services.web.shm_size: 'lots' is not a size"),
    "size-negative": (4, "services.web.mem_limit: '-5m' is not a size"),
    "syntax-bad-indent": (4, "YAML syntax error"),
    "syntax-tab": (2, "YAML syntax error"),
    "syntax-unclosed-flow": (5, "YAML syntax error"),
    "top-level-list": (1, "the top level must be a mapping"),
    "top-level-scalar": (1, "the top level must be a mapping"),
    "undefined-config": (4, "services.web.configs[0]: service 'web' refers to undefined config 'nothing'"),
    "undefined-dependency": (4, "services.web.depends_on[0]: service 'web' depends on undefined service 'nobody'"),
    "undefined-extends": (4, "services.web.extends: service \"nobody\" not found"),
    "undefined-network": (4, "services.web.networks[0]: service 'web' refers to undefined network 'nowhere'"),
    "undefined-secret": (4, "services.web.secrets[0]: service 'web' refers to undefined secret 'nothing'"),
    "undefined-variable": (3, "services.web.image: required variable REQUIRED_TAG is missing a value"),
    "undefined-volume": (4, "services.web.volumes[0]: service 'web' refers to undefined volume 'nothing'"),
    "unknown-network-key": (5, "networks.front.drive: unknown key"),
    "unknown-service-key": (4, "services.web.restart_policy: unknown key"),
    "unknown-top-key": (1, "servics: unknown key"),
    "volume-key-path": (5, "volumes.../data: '../data' is not a valid volume name"),
    "secret-key-path": (6, "secrets.../token: '../token' is not a valid secret name"),
    "config-key-path": (5, "configs.a/b: 'a/b' is not a valid config name"),
    "wrong-type-environment": (4, "services.web.environment: must be a mapping, not a number"),
    "wrong-type-image": (3, "services.web.image: must be a string, not a list"),
    "wrong-type-ports": (4, "services.web.ports: must be a list, not a string"),
    "wrong-type-services": (1, "services: must be a mapping, not a list"),
    # made by the fixture below: too big to keep in the tree
    "ten-mb-valid-looking": (None, "over the 4 MiB limit"),
    "ten-mb-random": (None, "over the 4 MiB limit"),
}
VERBS = {"config": ("config",), "up-dry-run": ("up", "--dry-run", "-d"), "up": ("up", "-d")}
TIMES: dict[str, list[tuple[float, str]]] = {}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One directory per case holding its compose.yaml."""
    root = tmp_path_factory.mktemp("broken")
    made: dict[str, Path] = {}
    for source in sorted(CORPUS.glob("*.yaml")):
        made[source.stem] = root / source.stem
        made[source.stem].mkdir()
        shutil.copy(source, made[source.stem] / "compose.yaml")
    big = "services:\n  web:\n    image: busybox\nx-padding:\n" + "".join(f"  key{i}: {'v' * 90}\n" for i in range(100_000))
    for name, content in {"ten-mb-valid-looking": big.encode(), "ten-mb-random": os.urandom(10 * 1024 * 1024)}.items():
        made[name] = root / name
        made[name].mkdir()
        (made[name] / "compose.yaml").write_bytes(content)
    return made


def test_every_case_has_an_expectation(cases: dict[str, Path]):
    assert sorted(cases) == sorted(EXPECTED)


def run_case(verb: tuple[str, ...], name: str, directory: Path) -> tuple[str, float, subprocess.CompletedProcess]:
    """Run one refusal; its time is the child's CPU time (user + system), which the other
    loads on a shared machine barely change, where wall time would mostly measure them."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "composer", "-p", f"badin-{name}", *verb],
                                cwd=directory, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=environ)
        hang = threading.Timer(HANG, proc.kill)
        hang.start()
        _, status, usage = os.wait4(proc.pid, 0)
        hang.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    return name, usage.ru_utime + usage.ru_stime, subprocess.CompletedProcess(proc.args, proc.returncode, "", stderr)


def check(name: str, done: subprocess.CompletedProcess) -> str | None:
    """What is wrong with how this case was refused, or None."""
    line, needle = EXPECTED[name]
    lines = done.stderr.splitlines()
    if done.returncode != 1 or "Traceback" in done.stderr or len(lines) != 1:
        return f"{name}: exit {done.returncode}, stderr {done.stderr[-400:]!r}"
    where = f"compose.yaml:{line}:" if line else "compose.yaml: "
    if not lines[0].startswith("error: ") or where not in lines[0] or needle not in lines[0]:
        return f"{name}: expected {where!r} and {needle!r} in {lines[0]!r}"
    return None


@pytest.mark.parametrize("verb", [pytest.param(v, marks=pytest.mark.needs_root) if k == "up" else v for k, v in VERBS.items()], ids=list(VERBS))
def test_each_broken_file_is_refused_in_one_line(cases: dict[str, Path], verb: tuple[str, ...]):
    with ThreadPoolExecutor(4) as pool:  # processes, so the CPUs share them; bounded at 4
        results = list(pool.map(lambda item: run_case(verb, *item), sorted(cases.items())))
    TIMES[" ".join(verb)] = sorted(((seconds, name) for name, seconds, _ in results), reverse=True)
    problems = [problem for name, _, done in results if (problem := check(name, done))]
    assert not problems, "\n".join(problems)
    run_root = Path(os.environ["COMPOSER_RUN"]) / "projects"
    assert not [p.name for p in run_root.glob("badin-*")], "a refused project left state behind"


@pytest.fixture(scope="module", autouse=True)
def report_times(request: pytest.FixtureRequest):
    """Per verb: the median and the largest CPU time of a refusal, printed past the capture."""
    yield
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if not (terminal and capture):
        return
    with capture.global_and_fixture_disabled():
        for verb, times in TIMES.items():
            median = sorted(t for t, _ in times)[len(times) // 2]
            terminal.write_line(f"bad input, {verb}: {len(times)} files refused, CPU median {median:.2f} s, max {times[0][0]:.2f} s ({times[0][1]})")
