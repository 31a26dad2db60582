"""Our `config` output against Docker Compose v2's, recorded in tests/fixtures/model/*/expected.yaml.

Each fixture's compose.yaml is built into a Project and printed with to_compose_dict;
the result must equal what Compose printed for the same file, key order included
(record.py re-records them). Printing then re-reading gives an equal model.
"""

import dataclasses
import json
from pathlib import Path

import pytest
import yaml

from composer.config.assembled import Assembled
from composer.config.build import build_project
from composer.config.load import load_project
from composer.config.model import Project
from composer.config.options import LoadOptions
from composer.config.serialize import config_hash, to_compose_dict
from composer.config.source import MarkedDict, MarkedList, read_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "model"
PLACEHOLDER = "/FIXTURES"  # record.py writes fixture paths this way
ENVIRONMENT = {"HOME": "/home/tester", "PATH": "/usr/bin:/bin"}
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.yaml").exists())


def profiles_of(fixture: Path) -> tuple[str, ...]:
    options = fixture / "options.json"
    return tuple(json.loads(options.read_text()).get("profiles", ())) if options.exists() else ()


def assembled(data: MarkedDict, fixture: Path, profiles=()) -> Assembled:
    return Assembled([str(fixture / "compose.yaml")], fixture, data["name"], dict(ENVIRONMENT), data, profiles)


def build_fixture(name: str) -> Project:
    fixture = FIXTURES / name
    data = read_source((fixture / "compose.yaml").read_text(), str(fixture / "compose.yaml")).data
    return build_project(assembled(data, fixture, profiles_of(fixture)))


def as_printed(value: dict) -> str:
    """YAML text in our key order, fixture paths as recorded: comparing it checks order too."""
    text = json.dumps(value).replace(json.dumps(str(FIXTURES))[1:-1], PLACEHOLDER)
    return yaml.safe_dump(json.loads(text), sort_keys=False)


def expected(name: str) -> str:
    return yaml.safe_dump(yaml.safe_load((FIXTURES / name / "expected.yaml").read_text()), sort_keys=False)


def test_there_are_enough_fixtures():
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", CASES)
def test_output_equals_compose_v2(name):
    assert as_printed(to_compose_dict(build_fixture(name))) == expected(name)


@pytest.mark.parametrize("name", CASES)
def test_whole_loading_pipeline_equals_compose_v2(name):
    fixture = FIXTURES / name
    options = LoadOptions(files=(str(fixture / "compose.yaml"),), cwd=str(fixture), environ=dict(ENVIRONMENT), profiles=profiles_of(fixture))
    assert as_printed(to_compose_dict(load_project(options))) == expected(name)


def unescape_dollars(value):
    """What interpolation does to the printed `$$`, in place on the re-read tree."""
    if isinstance(value, MarkedDict):
        for key in value:
            value[key] = unescape_dollars(value[key])
    elif isinstance(value, MarkedList):
        value[:] = [unescape_dollars(item) for item in value]
    elif isinstance(value, str):
        return value.replace("$$", "$")
    return value


def comparable(project: Project) -> dict:
    """The parts printing keeps (env_file is folded into environment, as Compose does)."""
    services = {name: dataclasses.replace(s, env_file=()) for name, s in project.services.items()}
    return {"services": services, **{k: getattr(project, k) for k in ("name", "networks", "volumes", "secrets", "configs", "ambassadors")}}


@pytest.mark.parametrize("name", CASES)
def test_printed_output_builds_an_equal_model(name):
    project = build_fixture(name)
    fixture = FIXTURES / name
    text = yaml.safe_dump(to_compose_dict(project), sort_keys=False)
    data = unescape_dollars(read_source(text, "printed.yaml").data)
    again = build_project(assembled(data, fixture, profiles_of(fixture)))
    assert comparable(again) == comparable(project)


def test_config_hash_is_stable_and_sensitive():
    first, second = build_fixture("web-db"), build_fixture("web-db")
    hashes = {name: config_hash(s) for name, s in first.services.items()}
    assert hashes == {name: config_hash(s) for name, s in second.services.items()}
    assert len(set(hashes.values())) == len(hashes) and all(len(h) == 64 for h in hashes.values())
    web = first.services["web"]
    assert config_hash(dataclasses.replace(web, image="nginx:1.26")) != hashes["web"]
    assert config_hash(dataclasses.replace(web, environment={**web.environment, "X": "1"})) != hashes["web"]
