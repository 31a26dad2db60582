"""build_project on inline YAML: normalization, profiles, defaults, and the short syntaxes."""

import textwrap
from pathlib import Path

import pytest

from composer.config.assembled import Assembled
from composer.config.build import build_project
from composer.config.fields_common import Context
from composer.config.fields_ports import PortSyntaxError, parse_port_spec
from composer.config.fields_volumes import VolumeSyntaxError, parse_volume_spec
from composer.config.model import BindOptions, Dependency, Healthcheck, Mount, Network, PortMapping, VolumeOptions
from composer.config.source import read_source

S = 1_000_000_000


def build(text: str, profiles=(), services=(), environment=None):
    data = read_source(textwrap.dedent(text), "compose.yaml").data
    return build_project(Assembled(["compose.yaml"], Path("/project"), "demo", environment or {}, data, tuple(profiles), tuple(services)))


@pytest.mark.parametrize(
    "spec, mappings",
    [
        ("80", [PortMapping(80)]),
        ("8080:80", [PortMapping(80, "8080")]),
        ("8080:80/udp", [PortMapping(80, "8080", protocol="udp")]),
        ("8080:80/SCTP", [PortMapping(80, "8080", protocol="sctp")]),
        ("3000-3001", [PortMapping(3000), PortMapping(3001)]),
        ("9090-9091:8080-8081", [PortMapping(8080, "9090"), PortMapping(8081, "9091")]),
        ("8000-8010:80", [PortMapping(80, "8000-8010")]),
        ("127.0.0.1:8001:8001", [PortMapping(8001, "8001", "127.0.0.1")]),
        ("127.0.0.1::5000", [PortMapping(5000, "", "127.0.0.1")]),
        ("[::1]:6001:6001", [PortMapping(6001, "6001", "::1")]),
        ("::1:6001:6001", [PortMapping(6001, "6001", "::1")]),
        (":7000", [PortMapping(7000)]),
    ],
)
def test_port_short_syntax(spec, mappings):
    assert parse_port_spec(spec) == mappings


@pytest.mark.parametrize(
    "spec, message",
    [
        ("80:80:80", "'80' is not an IP address"),
        ("abc", "'abc' is not a container port or range"),
        ("80/xyz", "'xyz' is not a protocol (tcp, udp or sctp)"),
        ("70000", "'70000' is not a container port or range (0-65535)"),
        ("80-79", "'80-79' is not a container port or range (0-65535)"),
        ("x:80", "'x' is not a host port or range"),
        ("8000-8002:80-81", "host range 8000-8002 and container range 80-81 differ in length"),
    ],
)
def test_port_short_syntax_errors(spec, message):
    with pytest.raises(PortSyntaxError, match="^" + __import__("re").escape(message) + "$"):
        parse_port_spec(spec)


CONTEXT = Context("demo", "/project", {"HOME": "/home/me"})


@pytest.mark.parametrize(
    "spec, mount",
    [
        ("/anon", Mount("volume", "/anon", volume=VolumeOptions())),
        ("data:/data", Mount("volume", "/data", "data", volume=VolumeOptions())),
        ("data:/data:ro,nocopy", Mount("volume", "/data", "data", read_only=True, volume=VolumeOptions(nocopy=True))),
        ("./conf:/etc/x:ro", Mount("bind", "/etc/x", "/project/conf", read_only=True, bind=BindOptions())),
        ("../up:/up", Mount("bind", "/up", "/up", bind=BindOptions())),
        ("~/.ssh:/root/.ssh:Z,rshared", Mount("bind", "/root/.ssh", "/home/me/.ssh", bind=BindOptions("rshared", True, "Z"))),
        ("/var/run/docker.sock:/var/run/docker.sock", Mount("bind", "/var/run/docker.sock", "/var/run/docker.sock", bind=BindOptions())),
        ("data:/d:z", Mount("volume", "/d", "data", bind=BindOptions(None, False, "z"), volume=VolumeOptions())),
        # as Compose: the container path is cleaned, an absolute source kept as written, a relative one cleaned
        ("/abs/dir/:/z/./q/../", Mount("bind", "/z", "/abs/dir/", bind=BindOptions())),
        ("./a/:/b/", Mount("bind", "/b", "/project/a", bind=BindOptions())),
        ("~/x/:/y", Mount("bind", "/y", "/home/me/x", bind=BindOptions())),
        ("C:\\data\\:/w/", Mount("bind", "/w", "C:\\data\\", bind=BindOptions())),
        ("a:b:c:d", Mount("bind", "c:d", "/project/a:b", bind=BindOptions())),  # `a:` reads as a drive letter
        ("./a:/b:rx", Mount("bind", "/b", "/project/a", bind=BindOptions())),  # unknown options are ignored
        ("./a:/b:nocopy", Mount("bind", "/b", "/project/a", bind=BindOptions(), volume=VolumeOptions(nocopy=True))),
    ],
)
def test_volume_short_syntax(spec, mount):
    assert parse_volume_spec(spec, CONTEXT) == mount


@pytest.mark.parametrize("spec, message", [("", "it is empty"), ("vol:/b:ro:x", "too many colons"), ("ab::b", "an empty part between colons")])
def test_volume_short_syntax_errors(spec, message):
    with pytest.raises(VolumeSyntaxError, match=message):
        parse_volume_spec(spec, CONTEXT)


PROFILED = """
    services:
      app: {image: a, depends_on: [db]}
      db: {image: d}
      debug: {image: x, profiles: [debug]}
      admin: {image: x, profiles: [debug, tools]}
      migrate: {image: x, profiles: [ops]}
    """


@pytest.mark.parametrize(
    "profiles, requested, active",
    [
        ((), (), ["app", "db"]),
        (("debug",), (), ["admin", "app", "db", "debug"]),
        (("tools",), (), ["admin", "app", "db"]),
        (("*",), (), ["admin", "app", "db", "debug", "migrate"]),
        ((), ("migrate",), ["app", "db", "migrate"]),
        ((), ("admin",), ["admin", "app", "db", "debug"]),  # naming it enables its profiles
    ],
)
def test_profiles_select_services(profiles, requested, active):
    project = build(PROFILED, profiles, requested)
    assert sorted(project.services) == active
    assert project.profiles == ("debug", "ops", "tools")
    assert set(project.disabled_services) == {"admin", "app", "db", "debug", "migrate"} - set(active)


def test_default_network_names_and_unused_resources():
    project = build(
        """
        services:
          web: {image: nginx, volumes: [data:/d, ext:/e]}
          api: {image: api, networks: [back, shared]}
          host: {image: x, network_mode: host}
        networks:
          back: {}
          shared: {external: true}
          legacy: {external: {name: old_net}}
          named: {name: my-net}
        volumes:
          data: {}
          ext: {external: true, name: real-ext}
          unused: {}
        """
    )
    assert project.networks == {
        "back": Network("back", "demo_back"),
        "default": Network("default", "demo_default"),
        "shared": Network("shared", "shared", external=True),
    }
    assert project.services["web"].networks == {"default": None}
    assert project.services["host"].networks == {}
    assert {k: (v.name, v.external) for k, v in project.volumes.items()} == {"data": ("demo_data", False), "ext": ("real-ext", True)}


def test_no_default_network_when_every_service_chooses():
    project = build("services:\n  a: {image: x, networks: [n]}\nnetworks:\n  n: {}\n")
    assert list(project.networks) == ["n"]


def test_legacy_external_name():
    project = build("services:\n  a: {image: x, networks: [legacy]}\nnetworks:\n  legacy: {external: {name: old_net}}\n")
    assert project.networks["legacy"].name == "old_net"


def test_implicit_dependencies_as_compose_adds_them():
    project = build(
        """
        services:
          a: {image: x}
          b: {image: x, network_mode: "service:a"}
          c: {image: x, links: ["a:alias"], volumes_from: [b], depends_on: {a: {condition: service_healthy}}}
          d: {image: x, volumes_from: ["a:ro", "container:other"], ipc: "service:c"}
        """
    )
    assert project.services["b"].depends_on == {"a": Dependency(restart=True)}
    assert project.services["c"].depends_on == {"a": Dependency("service_healthy"), "b": Dependency()}
    assert project.services["d"].depends_on == {"c": Dependency(restart=True), "a": Dependency()}


def test_environment_env_files_and_pass_through(tmp_path):
    (tmp_path / "a.env").write_text("FROM_FILE=1\nSHARED=file\nHOME_COPY=${HOME}\n")
    (tmp_path / "raw.env").write_text("RAW=$NOT_EXPANDED 'kept'\n")
    data = read_source(
        "services:\n  s:\n    image: x\n    env_file: [a.env, {path: raw.env, format: raw}, {path: none.env, required: false}]\n"
        "    environment: {SHARED: mine, HOME: null, UNSET: null, NUM: 3, FLAG: true}\n",
        "compose.yaml",
    ).data
    project = build_project(Assembled(["compose.yaml"], tmp_path, "demo", {"HOME": "/home/me"}, data))
    assert project.services["s"].environment == {
        "FROM_FILE": "1", "SHARED": "mine", "HOME_COPY": "/home/me", "RAW": "$NOT_EXPANDED 'kept'",
        "HOME": "/home/me", "UNSET": None, "NUM": "3", "FLAG": "true",
    }  # fmt: skip


@pytest.mark.parametrize(
    "written, command",
    [("", None), ("command: []", ()), ("command: ''", ()), ("command: echo 'a b' c", ("echo", "a b", "c")), ("command: [sh, -c, 'x && y']", ("sh", "-c", "x && y"))],
)
def test_command_none_means_image_default_and_empty_clears(written, command):
    project = build(f"services:\n  s:\n    image: x\n    {written}\n")
    assert project.services["s"].command == command


def test_shell_operators_are_dropped_with_a_warning():
    project = build("services:\n  s:\n    image: x\n    command: echo hi && rm -rf /\n")
    assert project.services["s"].command == ("echo", "hi")
    assert project.warnings == ("compose.yaml:4:5: services.s.command: '&& rm -rf /' is dropped, as Compose does (no shell runs it); use [\"sh\", \"-c\", \"…\"] for shell syntax",)


def test_interpolated_strings_convert_and_yaml_no_is_restart_no():
    project = build(
        """
        services:
          s:
            image: x
            restart: no
            scale: "2"
            privileged: "true"
            cpus: "0.5"
            ports: [{target: "80", published: 8080}]
        """
    )
    service = project.services["s"]
    assert (service.restart, service.scale, service.replicas, service.privileged, service.cpus) == ("no", 2, 2, True, 0.5)
    assert service.ports == (PortMapping(80, "8080"),)


def test_healthcheck_forms():
    project = build(
        """
        services:
          a: {image: x, healthcheck: {test: curl -f x, interval: 1m30s, retries: 3}}
          b: {image: x, healthcheck: {test: [NONE]}}
          c: {image: x, healthcheck: {disable: true}}
        """
    )
    assert project.services["a"].healthcheck == Healthcheck(("CMD-SHELL", "curl -f x"), interval=90 * S, retries=3)
    assert project.services["b"].healthcheck == Healthcheck(("NONE",))
    assert project.services["c"].healthcheck == Healthcheck(disable=True)


def test_extensions_are_dropped_and_ignored_keys_warn():
    project = build(
        """
        version: "3.8"
        x-common: &common {image: x}
        services:
          s:
            <<: *common
            x-note: hi
            volume_driver: foo
            networks: {default: {x-meta: 1}}
        """
    )
    assert project.services["s"].image == "x"
    assert project.warnings == (
        "compose.yaml:2:1: version: the attribute `version` is obsolete and ignored; remove it",
        "compose.yaml:8:5: services.s.volume_driver: not supported by composer; ignored",
    )


def test_sizes_and_durations_in_the_model():
    project = build(
        """
        services:
          s:
            image: x
            mem_reservation: 512m
            memswap_limit: -1
            shm_size: 1gb
            stop_grace_period: 1m30s
            ulimits: {nofile: 1024, nproc: {soft: 10, hard: 20}}
            deploy: {restart_policy: {delay: 500ms}, resources: {limits: {memory: 1.5G, cpus: "0.25"}}}
        """
    )
    s = project.services["s"]
    assert (s.mem_reservation, s.memswap_limit, s.shm_size, s.stop_grace_period) == (512 << 20, -1, 1 << 30, 90 * S)
    assert (s.ulimits["nofile"].soft, s.ulimits["nofile"].hard, s.ulimits["nproc"].hard) == (1024, 1024, 20)
    assert s.deploy.restart_policy.delay == S // 2
    assert (s.deploy.resources.limits.memory, s.deploy.resources.limits.cpus) == (3 << 29, 0.25)


def test_secrets_default_target_and_configs_keep_none():
    project = build(
        """
        services:
          s: {image: x, secrets: [pw], configs: [conf]}
        secrets:
          pw: {file: ./pw.txt}
        configs:
          conf: {content: "a=1"}
        """
    )
    s = project.services["s"]
    assert (s.secrets[0].target, s.configs[0].target) == ("/run/secrets/pw", None)
    assert project.secrets["pw"].file == "/project/pw.txt" and project.secrets["pw"].name == "demo_pw"


def test_optional_dependency_on_a_disabled_service_stays():
    project = build(
        """
        services:
          a: {image: x, depends_on: {dis: {condition: service_started, required: false}}}
          dis: {image: x, profiles: [p]}
        """
    )
    assert project.services["a"].depends_on == {"dis": Dependency(required=False)}
    assert project.disabled_services == ("dis",)


def test_ports_with_host_network_warn():
    project = build("services:\n  a: {image: x, network_mode: host, ports: [80]}\n")
    assert project.warnings == ("compose.yaml:2:37: services.a.ports: published ports are discarded with network_mode: host (the service uses the host's ports directly)",)
