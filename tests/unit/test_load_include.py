"""`include`: short and long forms, their directories and env files, conflicts and cycles."""

from pathlib import Path

import pytest

from composer.config.assemble import assemble
from composer.config.options import LoadOptions
from composer.errors import ComposeError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "load"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(project: Path, environ=None, **kwargs):
    return assemble(LoadOptions(cwd=str(project), environ=dict(environ or {}), **kwargs))


def errors(project: Path, **kwargs) -> list[str]:
    with pytest.raises(ComposeError) as caught:
        load(project, **kwargs)
    return caught.value.lines()


def test_platform_fixture():
    root = FIXTURES / "platform"
    assembled = load(root)
    data = assembled.data
    assert "include" not in data
    assert sorted(data["services"]) == ["api", "cache", "db"]
    db = data["services"]["db"]
    assert db["image"] == "postgres:16"  # from the include's env_file
    assert db["volumes"] == [f"{root / 'db' / 'init'}:/docker-entrypoint-initdb.d:ro", "pgdata:/var/lib/postgresql/data"]
    assert data["secrets"] == {"pg": {"file": str(root / "db" / "pg.secret")}}
    assert data["volumes"] == {"pgdata": {}}
    # the including project's .env wins over the included project's .env
    assert data["services"]["cache"]["command"] == ["redis-server", "--port", "6379"]
    assert data["services"]["cache"]["labels"] == {"price": "$0"}
    assert data["services"]["api"]["environment"]["CACHE_URL"] == "redis://cache:6379"
    assert data["services"]["api"]["build"] == str(root / "api")
    assert db.mark.file == "db/compose.yaml"
    assert data["services"].mark_of("db").file == "db/compose.yaml"


def test_project_directory_and_several_paths(tmp_project):
    write(tmp_project / "compose.yaml", "include:\n  - path: [lib/a.yaml, lib/b.yaml]\n    project_directory: proj\nservices:\n  web: {image: w}\n")
    write(tmp_project / "lib" / "a.yaml", "services:\n  a:\n    image: a\n    build: ./ctx\n")
    write(tmp_project / "lib" / "b.yaml", "services:\n  a:\n    user: u\n")
    write(tmp_project / "proj" / ".env", "ignored=1\n")
    services = load(tmp_project).data["services"]
    assert services["a"] == {"image": "a", "build": str(tmp_project / "proj" / "ctx"), "user": "u"}


def test_include_env_file_adds_only_unset_variables(tmp_project):
    write(tmp_project / "compose.yaml", "include:\n  - path: inc/compose.yaml\n    env_file: [inc/one.env, inc/two.env]\n")
    write(tmp_project / "inc" / "compose.yaml", "services:\n  inc:\n    image: ${A}-${B}-${C}\n")
    write(tmp_project / "inc" / "one.env", "A=one\nB=one\n")
    write(tmp_project / "inc" / "two.env", "B=two\nC=two\n")
    assert load(tmp_project, {"A": "process"}).data["services"]["inc"]["image"] == "process-two-two"


def test_an_override_file_may_change_an_included_service(tmp_project):
    write(tmp_project / "compose.yaml", "include: [inc.yaml]\n")
    write(tmp_project / "inc.yaml", "services:\n  db: {image: postgres:15}\n")
    write(tmp_project / "compose.override.yaml", "services:\n  db: {image: postgres:16}\n")
    assert load(tmp_project).data["services"]["db"] == {"image": "postgres:16"}


def test_a_file_both_included_and_given_is_no_cycle(tmp_project):
    write(tmp_project / "compose.yaml", "include: [inc.yaml]\nservices:\n  a: {image: x}\n")
    write(tmp_project / "inc.yaml", "services:\n  b: {image: y}\n")
    assert sorted(load(tmp_project, files=("compose.yaml", "inc.yaml")).data["services"]) == ["a", "b"]


def test_same_definition_twice_is_fine(tmp_project):
    write(tmp_project / "compose.yaml", "include: [inc.yaml]\nservices:\n  a: {image: y}\n")
    write(tmp_project / "inc.yaml", "services:\n  a: {image: y}\n")
    assert load(tmp_project).data["services"] == {"a": {"image": "y"}}


def test_nested_include_paths_are_relative_to_the_included_project(tmp_project):
    write(tmp_project / "compose.yaml", "include: [one/compose.yaml]\n")
    write(tmp_project / "one" / "compose.yaml", "include: [two/compose.yaml]\nservices:\n  one: {image: '1'}\n")
    write(tmp_project / "one" / "two" / "compose.yaml", "services:\n  two:\n    image: '2'\n    env_file: x.env\n")
    services = load(tmp_project).data["services"]
    assert services["two"]["env_file"] == str(tmp_project / "one" / "two" / "x.env")


ERRORS = [
    pytest.param(
        {"compose.yaml": "include: [inc.yaml]\nservices:\n  a: {image: x}\n", "inc.yaml": "services:\n  a: {image: y}\n"},
        ["compose.yaml:3:3: services.a: also defined by included inc.yaml; rename one of them, or change the included one from an override file (-f)"],
        id="conflict",
    ),
    pytest.param(
        {"compose.yaml": "include: [./inc.yaml]\nservices:\n  a: {image: x}\n", "inc.yaml": "include: [sub/../compose.yaml]\nservices:\n  b: {image: y}\n"},
        ["inc.yaml:1:11: include[0]: include cycle: compose.yaml -> inc.yaml -> compose.yaml; remove one of these includes"],
        id="cycle",
    ),
    pytest.param(
        {"compose.yaml": "include: [missing.yaml]\nservices:\n  a: {image: x}\n"},
        ["missing.yaml: cannot read file: No such file or directory; check the path"],
        id="missing-file",
    ),
    pytest.param(
        {"compose.yaml": "include:\n  - path: inc.yaml\n    env_file: nope.env\n", "inc.yaml": "services:\n  a: {image: y}\n"},
        ["compose.yaml:2:5: include[0]: env file nope.env not found; create it or fix env_file"],
        id="missing-env-file",
    ),
    pytest.param(
        {"compose.yaml": "include: inc.yaml\n"},
        ["compose.yaml:1:1: include: must be a list; write include: [FILE, ...]"],
        id="not-a-list",
    ),
    pytest.param(
        {"compose.yaml": "include:\n  - project_directory: x\n  - 3\n  - {path: a.yaml, env-file: x}\nservices:\n  a: {image: x}\n"},
        [
            "compose.yaml:2:5: include[0]: needs path: (a file or a list of files); env_file: and project_directory: are optional paths; see the Compose include syntax",
            "compose.yaml:3:5: include[1]: must be a path or a mapping with path:; see the Compose include syntax",
            "compose.yaml:4:5: include[2]: unknown key 'env-file' (an include takes path, project_directory, env_file); see the Compose include syntax",
        ],
        id="malformed-entries",
    ),
]


@pytest.mark.parametrize("files,lines", ERRORS)
def test_errors(tmp_project, files, lines):
    for name, text in files.items():
        write(tmp_project / name, text)
    assert errors(tmp_project) == lines


def test_deep_include_chain_is_refused(tmp_project):
    for depth in range(20):
        write(tmp_project / f"f{depth}.yaml", f"include: [f{depth + 1}.yaml]\nservices:\n  s{depth}: {{image: x}}\n")
    write(tmp_project / "f20.yaml", "services:\n  last: {image: x}\n")
    lines = errors(tmp_project, files=("f0.yaml",))
    assert lines == ["f16.yaml:1:11: include[0]: includes are nested more than 16 deep; flatten the includes"]
