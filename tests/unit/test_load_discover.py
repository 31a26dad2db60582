"""Finding the files, the project directory, the environment and the project name."""

import os
from pathlib import Path

import pytest

from composer.config.assemble import assemble
from composer.config.discover import discover, normalize_project_name
from composer.config.options import LoadOptions
from composer.errors import ComposeError

SERVICE = "services:\n  web:\n    image: {image}\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def options(cwd: Path, environ=None, **kwargs) -> LoadOptions:
    return LoadOptions(cwd=str(cwd), environ=dict(environ or {}), **kwargs)


def errors(opts: LoadOptions) -> list[str]:
    with pytest.raises(ComposeError) as caught:
        assemble(opts)
    return caught.value.lines()


@pytest.mark.parametrize(
    "present,chosen,warning",
    [
        pytest.param(["compose.yaml"], ["compose.yaml"], None, id="compose-yaml"),
        pytest.param(["docker-compose.yml"], ["docker-compose.yml"], None, id="legacy-name"),
        pytest.param(["compose.yml", "docker-compose.yaml"], ["compose.yml"], "config files with supported names: compose.yml, docker-compose.yaml; using compose.yml", id="preference"),
        pytest.param(["compose.yaml", "docker-compose.yml"], ["compose.yaml"], "config files with supported names: compose.yaml, docker-compose.yml; using compose.yaml", id="both-warns"),
        pytest.param(["compose.yaml", "compose.override.yaml"], ["compose.yaml", "compose.override.yaml"], None, id="override"),
        pytest.param(["docker-compose.yml", "docker-compose.override.yml"], ["docker-compose.yml", "docker-compose.override.yml"], None, id="legacy-override"),
        pytest.param(["compose.yaml", "compose.override.yml", "docker-compose.override.yaml"], ["compose.yaml", "compose.override.yml"], "override files with supported names: compose.override.yml, docker-compose.override.yaml; using compose.override.yml", id="two-overrides"),
    ],
)
def test_default_file_names(tmp_project, present, chosen, warning):
    for name in present:
        write(tmp_project / name, SERVICE.format(image=name))
    found = discover(options(tmp_project))
    assert found.files == [str(tmp_project / name) for name in chosen]
    assert found.warnings == ([] if warning is None else [f"Found multiple {warning}"])


def test_searched_upward_and_project_dir_is_where_found(tmp_project):
    write(tmp_project / "compose.yaml", SERVICE.format(image="up"))
    deep = tmp_project / "a" / "b"
    deep.mkdir(parents=True)
    assembled = assemble(options(deep))
    assert assembled.files == [str(tmp_project / "compose.yaml")]
    assert assembled.project_dir == tmp_project
    assert assembled.project_name == tmp_project.name


def test_nothing_found_names_what_was_searched(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert errors(options(empty)) == [
        f"{empty}: no compose file found here or in any parent directory (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml); create compose.yaml or pass -f FILE"
    ]


def test_explicit_files_skip_the_override_and_resolve_against_cwd(tmp_project):
    write(tmp_project / "compose.yaml", SERVICE.format(image="a"))
    write(tmp_project / "compose.override.yaml", SERVICE.format(image="b"))
    write(tmp_project / "sub" / "other.yaml", SERVICE.format(image="c"))
    assembled = assemble(options(tmp_project, files=("compose.yaml", "sub/other.yaml")))
    assert assembled.files == [str(tmp_project / "compose.yaml"), str(tmp_project / "sub" / "other.yaml")]
    assert assembled.data["services"]["web"]["image"] == "c"


def test_missing_file(tmp_project):
    assert errors(options(tmp_project, files=("nope.yaml",))) == ["nope.yaml: cannot read file: No such file or directory; check the path"]


@pytest.mark.parametrize(
    "separator,environ_extra",
    [pytest.param(os.pathsep, {}, id="pathsep"), pytest.param(",", {"COMPOSE_PATH_SEPARATOR": ","}, id="custom-separator")],
)
def test_compose_file_variable(tmp_project, separator, environ_extra):
    write(tmp_project / "x" / "c1.yaml", SERVICE.format(image="one"))
    write(tmp_project / "x" / "c2.yaml", "services:\n  web:\n    user: u\n")
    environ = {"COMPOSE_FILE": separator.join(["x/c1.yaml", "x/c2.yaml"]), **environ_extra}
    assembled = assemble(options(tmp_project, environ))
    assert assembled.files == [str(tmp_project / "x" / "c1.yaml"), str(tmp_project / "x" / "c2.yaml")]
    assert assembled.project_dir == tmp_project / "x"
    assert assembled.data["services"]["web"] == {"image": "one", "user": "u"}


def test_compose_file_from_dotenv_and_missing_entry(tmp_project):
    write(tmp_project / ".env", "COMPOSE_FILE=missing.yaml\n")
    assert errors(options(tmp_project)) == ["COMPOSE_FILE: missing.yaml: no such file; fix COMPOSE_FILE or create the file"]


def test_project_directory_option(tmp_project):
    write(tmp_project / "files" / "compose.yaml", "services:\n  web:\n    build: ./app\n")
    write(tmp_project / "proj" / ".env", "X=1\n")
    assembled = assemble(options(tmp_project, files=("files/compose.yaml",), project_directory="proj"))
    assert assembled.project_dir == tmp_project / "proj"
    assert assembled.project_name == "proj"
    assert assembled.environment["X"] == "1"
    assert assembled.data["services"]["web"]["build"] == str(tmp_project / "proj" / "app")


def test_project_directory_is_searched_when_no_file_given(tmp_project):
    write(tmp_project / "proj" / "compose.yaml", SERVICE.format(image="p"))
    assembled = assemble(options(tmp_project, project_directory="proj"))
    assert assembled.files == [str(tmp_project / "proj" / "compose.yaml")]


def test_environment_precedence(tmp_project):
    write(tmp_project / "compose.yaml", "services:\n  web:\n    image: ${A}-${B}-${C}\n")
    write(tmp_project / ".env", "A=dotenv\nB=dotenv\nC=dotenv\n")
    write(tmp_project / "extra.env", "C=extra\n")
    assert assemble(options(tmp_project, {"A": "process"})).data["services"]["web"]["image"] == "process-dotenv-dotenv"
    later_wins = options(tmp_project, {"A": "process"}, env_files=(".env", "extra.env"))
    assert assemble(later_wins).data["services"]["web"]["image"] == "process-dotenv-extra"
    only_extra = assemble(options(tmp_project, env_files=("extra.env",)))
    assert only_extra.data["services"]["web"]["image"] == "--extra"
    assert only_extra.warnings == ['The "A" variable is not set. Defaulting to a blank string.', 'The "B" variable is not set. Defaulting to a blank string.']


def test_working_directory_env_file_is_read_first(tmp_project):
    # Compose reads ./.env before it knows the project directory, and keeps its values.
    write(tmp_project / ".env", "COMPOSE_FILE=x/compose.yaml\nLBL=fromcwd\n")
    write(tmp_project / "x" / "compose.yaml", "services:\n  web:\n    image: ${IMG}\n    labels: [a=$LBL]\n")
    write(tmp_project / "x" / ".env", "IMG=fromx\nLBL=fromx\n")
    assembled = assemble(options(tmp_project))
    assert assembled.data["services"]["web"] == {"image": "fromx", "labels": ["a=fromcwd"]}
    assert assembled.project_name == "x"


def test_disabled_default_env_file(tmp_project):
    write(tmp_project / "compose.yaml", "services:\n  web:\n    image: x${A-unset}\n")
    write(tmp_project / ".env", "A=1\n")
    assert assemble(options(tmp_project, {"COMPOSE_DISABLE_ENV_FILE": "true"})).data["services"]["web"]["image"] == "xunset"


def test_malformed_dotenv_names_file_and_line(tmp_project):
    write(tmp_project / "compose.yaml", SERVICE.format(image="x"))
    write(tmp_project / ".env", "OK=1\nBAD KEY=2\n")
    assert errors(options(tmp_project)) == [".env:2: variable name 'BAD KEY' contains a space; remove the space or quote the value after ="]


def test_stdin(tmp_project):
    write(tmp_project / ".env", "TAG=7\n")
    assembled = assemble(options(tmp_project, files=("-",), stdin_text="services:\n  web:\n    image: x:${TAG}\n"))
    assert assembled.files == ["-"]
    assert assembled.project_dir == tmp_project
    assert assembled.project_name == tmp_project.name
    assert assembled.data["services"]["web"]["image"] == "x:7"
    assert assembled.data["services"].mark_of("web").file == "<stdin>"


def test_stdin_errors_are_labelled(tmp_project):
    assert errors(options(tmp_project, files=("-",), stdin_text="services:\n  web: [\n")) == ["<stdin>:3:1: YAML syntax error: while parsing a flow node did not find expected node content; fix the YAML syntax"]
    assert errors(options(tmp_project, files=("-",))) == ["<stdin>: -f - reads the compose file from standard input, but none was given; pipe the file in, or pass its path"]


INVALID = 'must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number'

NAMES = [
    pytest.param({"project_name": "cli"}, {"COMPOSE_PROJECT_NAME": "envname"}, "name: yaml\n", "cli", id="flag-first"),
    pytest.param({}, {"COMPOSE_PROJECT_NAME": "envname"}, "name: yaml\n", "envname", id="env-second"),
    pytest.param({}, {}, "name: Hello World\n", "helloworld", id="yaml-normalized"),
    pytest.param({}, {}, "name: -Ab\n", "ab", id="yaml-leading-dash"),
    pytest.param({}, {"N": "From-Env"}, "name: ${N}\n", "from-env", id="yaml-interpolated"),
    pytest.param({}, {}, "", "my_projx", id="directory-normalized"),
]


@pytest.mark.parametrize("flags,environ,name_line,expected", NAMES)
def test_project_name(tmp_path, flags, environ, name_line, expected):
    project = tmp_path / "My_Proj.X"
    write(project / "compose.yaml", name_line + SERVICE.format(image="x"))
    assembled = assemble(options(project, environ, **flags))
    assert assembled.project_name == expected
    assert assembled.environment["COMPOSE_PROJECT_NAME"] == expected


def test_project_name_from_dotenv_and_available_to_files(tmp_project):
    write(tmp_project / ".env", "COMPOSE_PROJECT_NAME=dotenvname\n")
    write(tmp_project / "compose.yaml", "services:\n  web:\n    image: img-${COMPOSE_PROJECT_NAME}\n")
    assert assemble(options(tmp_project)).data["services"]["web"]["image"] == "img-dotenvname"


BAD_NAMES = [
    pytest.param({"project_name": "Bad"}, {}, "", f'--project-name: invalid project name "Bad": {INVALID}; choose another name (for example "bad")', id="flag"),
    pytest.param({}, {"COMPOSE_PROJECT_NAME": "a.b"}, "", f'COMPOSE_PROJECT_NAME: invalid project name "a.b": {INVALID}; choose another name (for example "ab")', id="env"),
    pytest.param({"project_name": "_x"}, {}, "", f'--project-name: invalid project name "_x": {INVALID}; choose another name (for example "x")', id="leading-underscore"),
    pytest.param({}, {}, "name: __\n", 'compose.yaml:1:1: name: project name "__" has no usable character once normalized; set a name with -p, COMPOSE_PROJECT_NAME or a top-level name:', id="yaml-empty"),
]


@pytest.mark.parametrize("flags,environ,name_line,line", BAD_NAMES)
def test_bad_project_names(tmp_project, flags, environ, name_line, line):
    write(tmp_project / "compose.yaml", name_line + SERVICE.format(image="x"))
    assert errors(options(tmp_project, environ, **flags)) == [line]


def test_unusable_directory_name(tmp_path):
    project = tmp_path / "___"
    write(project / "compose.yaml", SERVICE.format(image="x"))
    assert errors(options(project)) == [f'{project}: project name "___" has no usable character once normalized; set a name with -p, COMPOSE_PROJECT_NAME or a top-level name:']


@pytest.mark.parametrize("raw,normalized", [("Hello World", "helloworld"), ("-_a-b_", "a-b_"), ("ÄBC", "bc"), ("x.y", "xy"), ("9lives", "9lives")])
def test_normalize_project_name(raw, normalized):
    assert normalize_project_name(raw) == normalized


def test_profiles_from_option_or_environment(tmp_project):
    write(tmp_project / "compose.yaml", SERVICE.format(image="x"))
    write(tmp_project / ".env", "COMPOSE_PROFILES=debug, tools,\n")
    assert assemble(options(tmp_project)).active_profiles == ("debug", "tools")
    chosen = assemble(options(tmp_project, profiles=("prod",), services=("web",)))
    assert (chosen.active_profiles, chosen.requested_services) == (("prod",), ("web",))


def test_too_many_files(tmp_project):
    write(tmp_project / "compose.yaml", SERVICE.format(image="x"))
    assert errors(options(tmp_project, files=("compose.yaml",) * 65)) == ["--file: 65 compose files given; at most 64 are supported; merge some of them"]
