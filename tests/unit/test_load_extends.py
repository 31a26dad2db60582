"""`extends` within a file and across files, with relative paths, cycles and missing ends."""

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


def load(project: Path, **kwargs):
    return assemble(LoadOptions(cwd=str(project), environ={"HOME": "/home/u"}, **kwargs))


def errors(project: Path, **kwargs) -> list[str]:
    with pytest.raises(ComposeError) as caught:
        load(project, **kwargs)
    return caught.value.lines()


def test_same_file_merges_everything_and_drops_extends(tmp_project):
    write(
        tmp_project / "compose.yaml",
        "services:\n"
        "  db: {image: db}\n"
        "  base:\n    image: base\n    depends_on: [db]\n    links: [db]\n    ports: ['80:80']\n    environment: [A=1]\n"
        "  web:\n    extends: base\n    environment: {B: 2}\n    ports: !reset []\n",
    )
    services = load(tmp_project).data["services"]
    assert services["web"] == {"image": "base", "depends_on": ["db"], "links": ["db"], "environment": {"A": "1", "B": 2}}
    assert services["base"]["ports"] == ["80:80"]


def test_result_marks(tmp_project):
    write(tmp_project / "compose.yaml", "services:\n  base:\n    image: base\n    user: u\n  web:\n    extends: {service: base}\n    user: w\n")
    web = load(tmp_project).data["services"]["web"]
    assert (web.mark.file, web.mark.line) == ("compose.yaml", 6)  # where its mapping starts
    assert web.mark_of("image").line == 3  # from the extended service
    assert web.mark_of("user").line == 7  # its own


def test_across_files_paths_resolve_against_the_extended_file():
    assembled = load(FIXTURES / "workers")
    root = FIXTURES / "workers"
    emails = assembled.data["services"]["emails"]
    assert emails["image"] == "example/app:latest"
    assert emails["build"] == {"context": str(root / "src")}
    assert emails["env_file"] == str(root / "common" / "app.env")
    assert emails["volumes"] == [f"{root / 'common' / 'app' / 'config'}:/etc/app:ro"]
    assert emails["labels"] == ["tier=workers"]
    assert emails["depends_on"] == ["queue"] and emails["restart"] == "unless-stopped"
    assert emails.mark_of("image").file == "common/app/base.yaml"


@pytest.mark.parametrize("interpolate", [True, False], ids=["interpolated", "not-interpolated"])
def test_extending_a_service_that_extends_with_override(interpolate):
    assembled = load(FIXTURES / "workers", interpolate=interpolate)
    scheduler = assembled.data["services"]["scheduler"]
    assert scheduler["command"] == ["celery", "-A", "app", "beat"]
    assert scheduler["environment"] == {"BROKER_URL": "amqp://queue", "CONCURRENCY": "2"}
    assert scheduler["depends_on"] == ["queue", "emails"]
    assert scheduler["image"] == ("example/app:latest" if interpolate else "example/app:${APP_TAG:-latest}")
    # the anchor's own copy is left as written, though services share it through aliases
    assert assembled.data["x-worker"]["extends"] == {"file": "common/app.yaml", "service": "app"}


def test_main_files_resolve_extends_file_against_the_project_directory(tmp_project):
    write(tmp_project / "files" / "compose.yaml", "services:\n  web:\n    extends: {file: lib/base.yaml, service: base}\n")
    write(tmp_project / "proj" / "lib" / "base.yaml", "services:\n  base:\n    image: b\n    build: .\n")
    web = load(tmp_project, files=("files/compose.yaml",), project_directory="proj").data["services"]["web"]
    assert web == {"image": "b", "build": str(tmp_project / "proj" / "lib")}


ERRORS = [
    pytest.param(
        {"compose.yaml": "services:\n  a: {extends: b, image: x}\n  b: {extends: c}\n  c: {extends: a}\n"},
        ["compose.yaml:2:7: services.a.extends: extends cycle: a (compose.yaml) -> b (compose.yaml) -> c (compose.yaml) -> a (compose.yaml); remove one of these extends"],
        id="cycle",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a: {extends: a, image: x}\n"},
        ["compose.yaml:2:7: services.a.extends: extends cycle: a (compose.yaml) -> a (compose.yaml); remove one of these extends"],
        id="self",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a:\n    extends: {service: b, file: other.yaml}\n", "other.yaml": "services:\n  b: {extends: {service: a, file: compose.yaml}}\n"},
        ["compose.yaml:3:5: services.a.extends: extends cycle: a (compose.yaml) -> b (other.yaml) -> a (compose.yaml); remove one of these extends"],
        id="cycle-across-files",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a:\n    image: x\n    extends: nope\n"},
        ['compose.yaml:4:5: services.a.extends: service "nope" not found in compose.yaml; define "nope" there or extend another service'],
        id="missing-service",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a:\n    extends: {service: zz, file: other.yaml}\n", "other.yaml": "services:\n  b: {image: b}\n"},
        ['compose.yaml:3:5: services.a.extends: service "zz" not found in other.yaml; define "zz" there or extend another service'],
        id="missing-service-in-file",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a:\n    extends: {service: b, file: gone.yaml}\n"},
        ["gone.yaml: cannot read file: No such file or directory; check the path"],
        id="missing-file",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a:\n    extends: {file: other.yaml}\n"},
        ["compose.yaml:3:5: services.a.extends: must be a service name or a mapping with service: (and file:); write extends: NAME or extends: {service: NAME, file: FILE}"],
        id="no-service-key",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a:\n    extends: {service: b, file: other.yaml}\n", "other.yaml": "volumes: {}\n"},
        ["other.yaml: has no services: mapping to extend; add the service there or fix extends.file"],
        id="no-services-there",
    ),
    pytest.param(
        {"compose.yaml": "services:\n  a: {extends: b}\n  b: {extends: missing}\n  c: {extends: missing2}\n"},
        [
            'compose.yaml:3:7: services.b.extends: service "missing" not found in compose.yaml; define "missing" there or extend another service',
            'compose.yaml:4:7: services.c.extends: service "missing2" not found in compose.yaml; define "missing2" there or extend another service',
        ],
        id="every-problem-once",
    ),
]


@pytest.mark.parametrize("files,lines", ERRORS)
def test_errors(tmp_project, files, lines):
    for name, text in files.items():
        write(tmp_project / name, text)
    assert errors(tmp_project) == lines


def test_long_chains_are_refused(tmp_project):
    chain = "".join(f"  s{i}: {{extends: s{i + 1}}}\n" for i in range(40)) + "  s40: {image: x}\n"
    write(tmp_project / "compose.yaml", "services:\n" + chain)
    assert errors(tmp_project) == ["compose.yaml:34:9: services.s32.extends: extends is nested more than 32 deep; flatten the chain of extended services"]


def test_many_services_extending_one_file_read_once(tmp_project):
    write(tmp_project / "base.yaml", "services:\n  base: {image: b, environment: [X=1]}\n")
    services = "".join(f"  s{i}:\n    extends: {{file: base.yaml, service: base}}\n" for i in range(200))
    write(tmp_project / "compose.yaml", "services:\n" + services)
    data = load(tmp_project).data["services"]
    assert len(data) == 200 and all(service == {"image": "b", "environment": ["X=1"]} for service in data.values())
    data["s0"]["environment"].append("Y=2")
    assert data["s1"]["environment"] == ["X=1"]  # every service has its own copy
