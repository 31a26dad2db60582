"""x-readiness in compose files: parsing, one-line errors, `config` round trip, the runtime spec."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest

from composer.config.assembled import Assembled
from composer.config.build import build_project
from composer.config.load import load_project
from composer.config.model import Project, Readiness, Service
from composer.config.options import LoadOptions
from composer.config.serialize import to_compose_dict
from composer.config.source import read_source
from composer.config.yamlout import dump_yaml
from composer.errors import ComposeError
from composer.images.config import ImageConfig
from composer.runtime.spec import Readiness as RuntimeReadiness
from composer.drivers.runc.container_spec import HostFacts, build_container_spec

SECOND = 1_000_000_000


def load(text: str) -> Project:
    data = read_source(text, "compose.yaml").data
    return build_project(Assembled(["compose.yaml"], Path("/project"), "demo", {}, data, ()))


def readiness_of(block: str) -> Readiness | None:
    return load(f"services:\n  db:\n    image: x\n    x-readiness: {block}\n").services["db"].readiness


def problems(block: str) -> list[str]:
    with pytest.raises(ComposeError) as caught:
        readiness_of(block)
    return caught.value.lines()


def test_the_three_probe_kinds_and_timings():
    assert readiness_of("{tcp: 5432}") == Readiness(tcp="5432")
    assert readiness_of("{tcp: '10.0.0.2:5432'}") == Readiness(tcp="10.0.0.2:5432")
    assert readiness_of("{http: 8080}") == Readiness(http="http://127.0.0.1:8080/")
    assert readiness_of("{http: 8080/health}") == Readiness(http="http://127.0.0.1:8080/health")
    assert readiness_of("{http: 'http://localhost:81/ok?x=1'}") == Readiness(http="http://localhost:81/ok?x=1")
    timed = readiness_of("{log: 'ready to (accept|serve)', interval: 500ms, timeout: 2s, start_period: 1m, retries: 5}")
    assert timed == Readiness(log="ready to (accept|serve)", interval=SECOND // 2, timeout=2 * SECOND, start_period=60 * SECOND, retries=5)


def test_a_service_without_it_has_none():
    assert load("services:\n  db: {image: x}\n").services["db"].readiness is None


@pytest.mark.parametrize(
    ("block", "line"),
    [
        ("{tcp: 70000}", "services.db.x-readiness.tcp: port 70000 is out of range; use a port from 1 to 65535"),
        ("{tcp: 'db:'}", "services.db.x-readiness.tcp: '' is not a port; write a port (5432) or HOST:PORT (127.0.0.1:5432)"),
        ("{tcp: 'bad host!:80'}", "services.db.x-readiness.tcp: 'bad host!' is not a host name or IP address; write a port (5432) or HOST:PORT (127.0.0.1:5432)"),
        ("{http: 'https://x/'}", "services.db.x-readiness.http: https:// is not supported; probe plain http://, or use tcp: PORT for a TLS port"),
        ("{http: 'http://x:99999/'}", "services.db.x-readiness.http: 'http://x:99999/' is not a URL: Port out of range 0-65535; write an http:// URL (http://localhost:8080/health), a port (8080) or PORT/PATH (8080/health)"),
        ("{http: 'http:///x'}", "services.db.x-readiness.http: 'http:///x' names no host; write an http:// URL (http://localhost:8080/health), a port (8080) or PORT/PATH (8080/health)"),
        ("{log: 'ready('}", "services.db.x-readiness.log: 'ready(' is not a regular expression: missing ), unterminated subpattern at position 5; escape special characters with \\"),
        ("{log: ''}", "services.db.x-readiness.log: is empty; write a regular expression matching the line that says ready"),
        ("{tcp: 80, log: x}", "services.db.x-readiness: sets both tcp and log; keep one probe kind per service"),
        ("{interval: 1s}", "services.db.x-readiness: names no probe; add one of tcp: PORT, http: URL or log: PATTERN"),
        ("{tcp: 80, intervall: 1s}", "services.db.x-readiness.intervall: unknown key; did you mean 'interval'?"),
        ("{tcp: 80, interval: 0s}", "services.db.x-readiness.interval: must be longer than 0s; like 1s or 500ms"),
        ("{tcp: 80, retries: 0}", "services.db.x-readiness.retries: must be 1 or more, not 0"),
        ("{tcp: 80, timeout: 5}", "services.db.x-readiness.timeout: 5 is not a duration; write it as a string with a unit, like 30s, 1m30s or 500ms"),
        ("5432", "services.db.x-readiness: must be a mapping, not a number"),
    ],
)
def test_bad_values_are_one_line_errors_with_place_and_hint(block, line):
    [problem] = problems(block)
    assert problem.startswith("compose.yaml:4:") and problem.split(": ", 1)[1] == line


def load_file(path: Path, text: str) -> Project:
    path.write_text(text)
    options = LoadOptions(files=(str(path),), cwd=str(path.parent), environ={"HOME": "/root", "PORT": "5432"})
    return load_project(options)


def test_config_prints_it_back_and_the_output_reloads_equal(tmp_path):
    project = load_file(tmp_path / "compose.yaml", (
        "name: demo\n"
        "services:\n"
        "  db: {image: x, x-readiness: {tcp: '${PORT}', start_period: 0s}}\n"
        "  web: {image: x, x-readiness: {http: '8080/health', interval: 1500ms}}\n"
        "  q: {image: x, x-readiness: {log: 'ready$$', retries: 2}}\n"
        "  plain: {image: x}\n"
    ))
    assert project.services["q"].readiness.log == "ready$"
    printed = to_compose_dict(project)
    # printed as written (interpolated), as Compose prints any extension
    assert printed["services"]["db"]["x-readiness"] == {"start_period": "0s", "tcp": "5432"}
    assert printed["services"]["web"]["x-readiness"] == {"http": "8080/health", "interval": "1500ms"}
    assert printed["services"]["q"]["x-readiness"] == {"log": "ready$$", "retries": 2}
    assert list(printed["services"]["db"])[-1] == "x-readiness"  # extensions last, as compose-go prints them
    assert "x-readiness" not in printed["services"]["plain"]
    again = load_file(tmp_path / "printed.yaml", dump_yaml(printed))
    assert again.services == project.services


def runtime_readiness(readiness: Readiness | None) -> RuntimeReadiness | None:
    service = Service(name="db", image="x", readiness=readiness)
    project = Project(name="demo", project_dir=Path("/project"))
    return build_container_spec(project, service, 1, ImageConfig(cmd=("sleep",)), HostFacts(lowerdirs=("/l",))).readiness


def test_the_runtime_spec_gets_defaults_and_a_host_for_a_bare_port():
    assert runtime_readiness(None) is None
    assert runtime_readiness(Readiness(tcp="5432")) == RuntimeReadiness("tcp", "127.0.0.1:5432", 1.0, 1.0, 3, 60.0)
    timed = Readiness(http="http://h:1/", interval=SECOND // 4, timeout=2 * SECOND, start_period=0, retries=7)
    assert runtime_readiness(timed) == RuntimeReadiness("http", "http://h:1/", 0.25, 2.0, 7, 0.0)
    assert runtime_readiness(Readiness(log="ok")).target == "ok"


def test_readiness_is_part_of_the_spec_hash_and_absent_readiness_keeps_old_hashes():
    service = Service(name="db", image="x")
    project = Project(name="demo", project_dir=Path("/project"))
    facts = HostFacts(lowerdirs=("/l",))
    plain = build_container_spec(project, service, 1, ImageConfig(cmd=("sleep",)), facts)
    probed = build_container_spec(project, replace(service, readiness=Readiness(tcp="80")), 1, ImageConfig(cmd=("sleep",)), facts)
    other = build_container_spec(project, replace(service, readiness=Readiness(tcp="81")), 1, ImageConfig(cmd=("sleep",)), facts)
    assert len({plain.spec_hash(), probed.spec_hash(), other.spec_hash()}) == 3
    fields = dataclasses.asdict(plain)
    del fields["readiness"]
    assert plain.spec_hash() == hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:16]


def test_override_files_merge_it_key_by_key_and_override_replaces_it(tmp_path):
    (tmp_path / "compose.yaml").write_text("services:\n  db: {image: x, x-readiness: {tcp: 5432, interval: 2s}}\n")
    (tmp_path / "timing.yaml").write_text("services:\n  db: {x-readiness: {retries: 9}}\n")
    (tmp_path / "kind.yaml").write_text("services:\n  db: {x-readiness: !override {log: up}}\n")

    def load_files(*names: str) -> Project:
        files = tuple(str(tmp_path / name) for name in names)
        return load_project(LoadOptions(files=files, cwd=str(tmp_path), environ={"HOME": "/root"}, project_name="demo"))

    assert load_files("compose.yaml", "timing.yaml").services["db"].readiness == Readiness(tcp="5432", interval=2 * SECOND, retries=9)
    assert load_files("compose.yaml", "kind.yaml").services["db"].readiness == Readiness(log="up")
