"""assemble(): realistic projects end to end (files, .env, interpolation, merge), and its limits.

The fixture projects under tests/fixtures/load were also run through Docker Compose
v2.40 `config`; the values asserted here are the ones it printed.
"""

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.config.assemble import MAX_FILES_READ, assemble
from composer.config.options import LoadOptions
from composer.config.source import MarkedDict, MarkedList
from composer.errors import ComposeError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "load"
WEBDB = FIXTURES / "webdb"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def load(project: Path, environ=None, **kwargs):
    return assemble(LoadOptions(cwd=str(project), environ=dict(environ or {}), **kwargs))


def errors(project: Path, environ=None, **kwargs) -> list[str]:
    with pytest.raises(ComposeError) as caught:
        load(project, environ, **kwargs)
    return caught.value.lines()


def assert_marked(value):
    """Every container of the assembled tree is a MarkedDict/MarkedList with real marks."""
    if isinstance(value, dict):
        assert isinstance(value, MarkedDict) and value.mark.file, value
        for key, item in value.items():
            assert value.mark_of(key).file and value.mark_of(key).line > 0, key
            assert_marked(item)
    elif isinstance(value, list):
        assert isinstance(value, MarkedList) and len(value.item_marks) == len(value), value
        for item in value:
            assert_marked(item)


def test_web_and_db_development():
    assembled = load(WEBDB)
    assert assembled.project_name == "shop"
    assert assembled.files == [str(WEBDB / "compose.yaml"), str(WEBDB / "compose.override.yaml")]
    assert assembled.warnings == []
    web, db = assembled.data["services"]["web"], assembled.data["services"]["db"]
    assert web["image"] == "docker.io/shop/web:1.4.2"
    assert web["build"] == {"context": str(WEBDB / "web"), "args": ["PYTHON_VERSION=3.11"]}
    assert web["environment"] == {"DATABASE_URL": "postgres://shop:s3cr3t#1@db:5432/shop", "LOG_LEVEL": "debug"}
    assert web["ports"] == ["8000:8000", "5678:5678"]
    assert web["volumes"] == ["static:/app/static", f"{WEBDB / 'web' / 'src'}:/app/src"]
    assert web["command"] == ["python", "-m", "shop", "--reload"]
    assert web["labels"] == {"com.example.price": "$5"}
    assert web["env_file"] == str(WEBDB / "web.env")
    assert db["ports"] == ["127.0.0.1:5432:5432"]
    assert db["volumes"] == ["dbdata:/var/lib/postgresql/data", f"{WEBDB / 'initdb'}:/docker-entrypoint-initdb.d:ro"]
    assert db["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U shop"]
    assert_marked(assembled.data)


def test_web_and_db_production():
    assembled = load(WEBDB, files=("compose.yaml", "compose.prod.yaml"))
    web, db = assembled.data["services"]["web"], assembled.data["services"]["db"]
    assert web["ports"] == ["80:8000"]
    assert web["deploy"] == {"replicas": 3}
    assert web["logging"] == {"driver": "json-file", "options": {"max-size": "10m"}}
    assert web["environment"]["LOG_LEVEL"] == "info"
    assert "ports" not in db
    assert db["volumes"] == ["/srv/shop/db:/var/lib/postgresql/data", f"{WEBDB / 'initdb'}:/docker-entrypoint-initdb.d:ro"]
    assert web.mark_of("ports").file == "compose.prod.yaml"
    assert db["volumes"].mark_of(0).file == "compose.prod.yaml" and db["volumes"].mark_of(1).file == "compose.yaml"
    assert_marked(assembled.data)


def test_process_environment_wins_over_dotenv():
    assembled = load(WEBDB, {"WEB_TAG": "2.0", "REGISTRY": "registry.local"})
    assert assembled.data["services"]["web"]["image"] == "registry.local/shop/web:2.0"
    assert assembled.environment["WEB_TAG"] == "2.0" and assembled.environment["DB_USER"] == "shop"


def test_no_interpolation_leaves_values_as_written():
    web = load(WEBDB, interpolate=False).data["services"]["web"]
    assert web["image"] == "${REGISTRY:-docker.io}/shop/web:${WEB_TAG:?set WEB_TAG in .env}"
    assert web["labels"] == {"com.example.price": "$$5"}
    assert web["build"]["context"] == str(WEBDB / "web")


def test_every_problem_of_every_file_in_one_error(tmp_project):
    write(tmp_project / "compose.yaml", "services:\n  web:\n    image: ${TAG:?set TAG}\n    user: ${U B}\n")
    write(tmp_project / "compose.override.yaml", "services:\n  web:\n    environment: ['A=${']\n")
    assert errors(tmp_project) == [
        "compose.override.yaml:3:19: services.web.environment[0]: invalid interpolation format \"A=${\"; escape a literal $ as $$",
        "compose.yaml:3:5: services.web.image: required variable TAG is missing a value: set TAG; set TAG in the environment or in the .env file",
        'compose.yaml:4:5: services.web.user: invalid interpolation format "${U B}"; escape a literal $ as $$',
    ]


def test_unset_variables_become_empty_with_one_warning_each(tmp_project):
    write(tmp_project / "compose.yaml", "services:\n  web:\n    image: app:$TAG\n    labels: [a=$TAG, b=$OTHER]\n")
    assembled = load(tmp_project)
    assert assembled.data["services"]["web"] == {"image": "app:", "labels": ["a=", "b="]}
    assert assembled.warnings == [
        'The "TAG" variable is not set. Defaulting to a blank string.',
        'The "OTHER" variable is not set. Defaulting to a blank string.',
    ]


def test_obsolete_version_warns_and_is_dropped(tmp_project):
    write(tmp_project / "compose.yaml", "version: '3.8'\nservices:\n  web: {image: x}\n")
    assembled = load(tmp_project)
    assert "version" not in assembled.data
    assert assembled.warnings == ["compose.yaml: the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion"]


def test_extension_keys_are_kept(tmp_project):
    write(tmp_project / "compose.yaml", "x-common: &common {restart: always}\nservices:\n  web:\n    <<: *common\n    image: x\n    x-note: keep\n")
    data = load(tmp_project).data
    assert data["x-common"] == {"restart": "always"}
    assert data["services"]["web"] == {"restart": "always", "image": "x", "x-note": "keep"}


@pytest.mark.parametrize(
    "files,lines",
    [
        pytest.param({"compose.yaml": ""}, ["compose.yaml: empty compose file; add a services: section"], id="empty"),
        pytest.param({"compose.yaml": "- a\n- b\n"}, ["compose.yaml:1:1: the top level must be a mapping; start the file with keys like services:"], id="top-level-list"),
        pytest.param({"compose.yaml": "services:\n  web: {image: a, image: b}\n"}, ["compose.yaml:2:19: mapping key 'image' already defined at line 2; remove one of them"], id="duplicate-key"),
        pytest.param({"compose.yaml": "services: [\n", "compose.override.yaml": "services: {a: [}\n"}, [
            "compose.override.yaml:1:16: YAML syntax error: while parsing a flow node did not find expected node content; fix the YAML syntax",
            "compose.yaml:2:1: YAML syntax error: while parsing a flow node did not find expected node content; fix the YAML syntax",
        ], id="syntax-in-two-files"),
    ],
)
def test_bad_files(tmp_project, files, lines):
    for name, text in files.items():
        write(tmp_project / name, text)
    assert errors(tmp_project) == lines


def test_empty_override_file_is_fine(tmp_project):
    write(tmp_project / "compose.yaml", "services:\n  web: {image: a}\n")
    write(tmp_project / "compose.override.yaml", "# nothing yet\n")
    assert load(tmp_project).data == {"services": {"web": {"image": "a"}}}


def test_paths_of_every_kind_are_absolute(tmp_project):
    (tmp_project / "link-target").mkdir()
    (tmp_project / "watched").symlink_to(tmp_project / "link-target")
    write(
        tmp_project / "compose.yaml",
        "services:\n  web:\n    image: x\n"
        "    build: {context: ., additional_contexts: {assets: ../assets, img: 'docker-image://alpine'}}\n"
        "    env_file: [a.env, {path: b.env, required: false}]\n"
        "    label_file: labels.txt\n"
        "    volumes: ['./data:/data', '~/cache:/cache', 'named:/n', {type: bind, source: src, target: /src}, {type: volume, source: v, target: /v}]\n"
        "    develop: {watch: [{path: ./watched, action: sync, target: /app}]}\n"
        "  remote:\n    build: https://github.com/example/repo.git\n"
        "secrets:\n  s: {file: ./s.txt}\n"
        "configs:\n  c: {file: ~/c.conf}\n"
        "volumes:\n  local: {driver: local, driver_opts: {type: none, o: bind, device: ./dev}}\n",
    )
    data = load(tmp_project, {"HOME": "/home/me"}).data
    web, root = data["services"]["web"], str(tmp_project)
    assert web["build"] == {"context": root, "additional_contexts": {"assets": str(tmp_project.parent / "assets"), "img": "docker-image://alpine"}}
    assert web["env_file"] == [f"{root}/a.env", {"path": f"{root}/b.env", "required": False}]
    assert web["label_file"] == f"{root}/labels.txt"
    assert web["volumes"] == [f"{root}/data:/data", "/home/me/cache:/cache", "named:/n", {"type": "bind", "source": f"{root}/src", "target": "/src"}, {"type": "volume", "source": "v", "target": "/v"}]
    assert web["develop"]["watch"][0]["path"] == f"{root}/link-target"
    assert data["services"]["remote"]["build"] == "https://github.com/example/repo.git"
    assert data["secrets"]["s"]["file"] == f"{root}/s.txt"
    assert data["configs"]["c"]["file"] == "/home/me/c.conf"
    assert data["volumes"]["local"]["driver_opts"]["device"] == f"{root}/dev"


def test_queue_workers_fixture_is_fully_marked():
    assembled = load(FIXTURES / "workers")
    assert sorted(assembled.data["services"]) == ["emails", "queue", "reports", "scheduler"]
    assert_marked(assembled.data)


def test_too_many_files_to_read(tmp_project):
    for index in range(MAX_FILES_READ + 1):
        write(tmp_project / "lib" / f"b{index}.yaml", "services:\n  base: {image: x}\n")
    services = "".join(f"  s{index}: {{extends: {{file: lib/b{index}.yaml, service: base}}}}\n" for index in range(MAX_FILES_READ + 1))
    write(tmp_project / "compose.yaml", "services:\n" + services)
    assert errors(tmp_project) == [f"lib/b{MAX_FILES_READ - 1}.yaml: more than {MAX_FILES_READ} files to read; check for runaway includes or extends"]


def test_a_large_project_assembles(tmp_project):
    services = "".join(f"  svc{i}:\n    image: app:${{TAG:-1}}\n    ports: ['{8000 + i}:80']\n    environment: [N={i}]\n    depends_on: [svc{max(i - 1, 0)}]\n" for i in range(300))
    write(tmp_project / "compose.yaml", "services:\n" + services)
    overrides = "".join(f"  svc{i}:\n    environment: {{EXTRA: '1'}}\n" for i in range(0, 300, 3))
    write(tmp_project / "compose.override.yaml", "services:\n" + overrides)
    data = load(tmp_project).data["services"]
    assert len(data) == 300
    assert data["svc3"]["environment"] == {"N": "3", "EXTRA": "1"}
    assert data["svc4"]["environment"] == ["N=4"]


# --- mangled input never escapes as anything but ComposeError ------------------------

TOKENS = ["", " ", "\n", ":", "- ", "[", "]", "{", "}", "!reset ", "!override ", "${", "$", "null", "'", '"', "extends: queue\n", "include: [x.yaml]\n", "<<: *worker\n", "#", "\t", "=", "~/", "../"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(project=st.sampled_from(["webdb", "workers", "platform"]), edits=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 5), st.sampled_from(TOKENS)), min_size=1, max_size=4), interpolate=st.booleans())
def test_mangled_projects_fail_cleanly(project, edits, interpolate):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / project
        shutil.copytree(FIXTURES / project, root)
        files = sorted(path for path in root.rglob("*") if path.is_file())
        for position, cut, token in edits:
            target = files[position % len(files)]
            text = target.read_text()
            at = position % (len(text) + 1)
            target.write_text(text[:at] + token + text[at + cut :])
        try:
            assemble(LoadOptions(cwd=str(root), environ={"HOME": "/home/u"}, interpolate=interpolate))
        except ComposeError as exc:
            assert exc.lines() and all("\n" not in line for line in exc.lines())
