"""Merging files by the Compose rules (each row checked against `docker compose config`)."""

import pytest

from composer.config.merge import merge_models
from composer.config.merge_unique import enforce_unicity
from composer.config.source import MarkedDict, MarkedList, read_source


def merge(*texts):
    problems = []
    model = MarkedDict()
    for index, text in enumerate(texts):
        model = merge_models(model, read_source(text, f"f{index}.yaml").data, problems)
    enforce_unicity(model)
    return model, [str(p) for p in problems]


def web(*texts):
    model, problems = merge(*(f"services:\n  web:\n{indent(text)}" for text in texts))
    assert problems == []
    return model["services"]["web"]


def indent(text):
    return "".join(f"    {line}\n" for line in text.strip("\n").split("\n"))


RULES = [
    pytest.param("image: a", "image: b", {"image": "b"}, id="scalar-replaced"),
    pytest.param("image: a", "image: null", {"image": "a"}, id="null-keeps"),
    pytest.param("image: a", "user: u", {"image": "a", "user": "u"}, id="new-key-added"),
    pytest.param("command: [a, b]", "command: c", {"command": "c"}, id="command-replaced"),
    pytest.param("entrypoint: /a", "entrypoint: [/b]", {"entrypoint": ["/b"]}, id="entrypoint-replaced"),
    pytest.param("healthcheck: {test: [CMD, a], interval: 10s}", "healthcheck: {test: [CMD, b]}", {"healthcheck": {"test": ["CMD", "b"], "interval": "10s"}}, id="healthcheck-test-replaced"),
    pytest.param("environment: [A=1, B=2, C]", "environment: {B: 3, D: 4}", {"environment": {"A": "1", "B": 3, "C": None, "D": 4}}, id="environment-list-then-map"),
    pytest.param("environment: {A: 1}", "environment: [A=2, E]", {"environment": {"A": "2", "E": None}}, id="environment-map-then-list"),
    pytest.param("environment: {A: 1}", "environment: null", {"environment": {"A": 1}}, id="environment-null-keeps"),
    pytest.param("labels: {l1: a, l2: a}", "labels: [l2=b, l3=b]", {"labels": {"l1": "a", "l2": "b", "l3": "b"}}, id="labels"),
    pytest.param("sysctls: [net.a=1]", "sysctls: {net.a: 2, net.b: 3}", {"sysctls": {"net.a": 2, "net.b": 3}}, id="sysctls"),
    pytest.param("annotations: [a=1]", "annotations: [a=2]", {"annotations": {"a": "2"}}, id="annotations"),
    pytest.param("build: {args: [A=1], labels: {x: y}}", "build: {args: {A: 2}}", {"build": {"args": {"A": 2}, "labels": {"x": "y"}}}, id="build-args"),
    pytest.param("deploy: {labels: [a=1], replicas: 2}", "deploy: {labels: [b=2]}", {"deploy": {"labels": {"a": "1", "b": "2"}, "replicas": 2}}, id="deploy-labels"),
    pytest.param("build: ./ctx", "build: {dockerfile: D}", {"build": {"context": "./ctx", "dockerfile": "D"}}, id="build-string-then-map"),
    pytest.param("build: {context: a, target: t}", "build: b", {"build": {"context": "b", "target": "t"}}, id="build-map-then-string"),
    pytest.param("depends_on: [db]", "depends_on: {db: {condition: service_healthy}}", {"depends_on": {"db": {"condition": "service_healthy", "required": True}}}, id="depends-on-list-then-map"),
    pytest.param("depends_on: {db: {condition: service_healthy}}", "depends_on: [cache]", {"depends_on": {"db": {"condition": "service_healthy"}, "cache": {"condition": "service_started", "required": True}}}, id="depends-on-map-then-list"),
    pytest.param("networks: [front]", "networks: {back: {aliases: [x]}}", {"networks": {"front": None, "back": {"aliases": ["x"]}}}, id="networks-list-then-map"),
    pytest.param("networks: {front: {aliases: [a]}}", "networks: {front: {aliases: [b, a]}}", {"networks": {"front": {"aliases": ["a", "b"]}}}, id="network-aliases-unique"),
    pytest.param("dns: [1.1.1.1, 8.8.8.8]", "dns: 8.8.8.8", {"dns": ["1.1.1.1", "8.8.8.8"]}, id="dns-unique"),
    pytest.param("dns_search: a.example", "dns_search: [b.example]", {"dns_search": ["a.example", "b.example"]}, id="dns-search-string-then-list"),
    pytest.param("tmpfs: /t1", "tmpfs: [/t2, /t1]", {"tmpfs": ["/t1", "/t2"]}, id="tmpfs"),
    pytest.param("cap_add: [NET_ADMIN]", "cap_add: [NET_ADMIN, SYS_ADMIN]", {"cap_add": ["NET_ADMIN", "SYS_ADMIN"]}, id="cap-add-unique"),
    pytest.param("security_opt: [a]", "security_opt: [a]", {"security_opt": ["a", "a"]}, id="other-lists-appended"),
    pytest.param("extra_hosts: ['h1:1.1.1.1', h2=2.2.2.2]", "extra_hosts: {h1: 1.1.1.1, h3: 3.3.3.3}", {"extra_hosts": ["h1:1.1.1.1", "h2=2.2.2.2", "h3=3.3.3.3"]}, id="extra-hosts"),
    pytest.param("env_file: a.env", "env_file: [b.env, a.env]", {"env_file": ["a.env", "b.env"]}, id="env-file-unique"),
    pytest.param("env_file: [{path: a.env, required: false}]", "env_file: [a.env]", {"env_file": ["a.env"]}, id="env-file-by-path"),
    pytest.param("logging: {driver: json-file, options: {max-size: 1m}}", "logging: {options: {max-file: '3'}}", {"logging": {"driver": "json-file", "options": {"max-size": "1m", "max-file": "3"}}}, id="logging-same-driver-merges"),
    pytest.param("logging: {driver: json-file, options: {max-size: 1m}}", "logging: {driver: syslog}", {"logging": {"driver": "syslog"}}, id="logging-other-driver-replaces"),
    pytest.param("ulimits: {nofile: {soft: 1, hard: 2}, nproc: 5}", "ulimits: {nofile: 3, nproc: {soft: 1, hard: 1}}", {"ulimits": {"nofile": 3, "nproc": {"soft": 1, "hard": 1}}}, id="ulimits-replaced"),
    pytest.param("ulimits: {nofile: {soft: 1, hard: 2}}", "ulimits: {nofile: {soft: 5}}", {"ulimits": {"nofile": {"soft": 5}}}, id="ulimit-mapping-replaced-whole"),
    pytest.param("x-foo: {a: 1}", "x-foo: {b: 2}", {"x-foo": {"a": 1, "b": 2}}, id="extension-merged"),
    pytest.param("expose: ['1', 2]", "expose: ['2', '3', 80/tcp]", {"expose": ["1", "2", "3", "80/tcp"]}, id="expose-unique"),
    pytest.param("devices: ['/dev/a:/dev/x']", "devices: ['/dev/b:/dev/x', /dev/c]", {"devices": ["/dev/b:/dev/x", "/dev/c"]}, id="devices-by-target"),
    pytest.param("profiles: [a]", "profiles: [a, b]", {"profiles": ["a", "b"]}, id="profiles-unique"),
]


@pytest.mark.parametrize("base,over,expected", RULES)
def test_service_rules(base, over, expected):
    assert web(base, over) == expected


PORTS = [
    pytest.param(["8080:80"], ["8080:80"], ["8080:80"], id="same-short"),
    pytest.param(["0.0.0.0:8080:80"], ["8080:80"], ["8080:80"], id="any-address-is-no-address"),
    pytest.param(["127.0.0.1:9090:90/udp"], ["9090:90/udp"], ["127.0.0.1:9090:90/udp", "9090:90/udp"], id="host-ip-differs"),
    pytest.param(["8080:80"], ["8080:80/udp"], ["8080:80", "8080:80/udp"], id="protocol-differs"),
    pytest.param(["3000"], [{"target": 3000, "published": "3001"}], ["3000", {"target": 3000, "published": "3001"}], id="published-differs"),
    pytest.param(["9000:9000"], [{"target": 9000, "published": "9000"}], [{"target": 9000, "published": "9000"}], id="long-replaces-short"),
    pytest.param([80], ["80"], ["80"], id="number-and-string"),
    pytest.param(["[::1]:80:80"], ["[::1]:80:80/tcp", "::1:81:81"], ["[::1]:80:80/tcp", "::1:81:81"], id="ipv6"),
    pytest.param(["127.0.0.1::6000"], ["127.0.0.1::6000"], ["127.0.0.1::6000"], id="ephemeral-host-port"),
]


@pytest.mark.parametrize("base,over,expected", PORTS)
def test_ports_by_address_port_and_protocol(base, over, expected):
    assert web(f"ports: {base}", f"ports: {over}")["ports"] == expected


VOLUMES = [
    pytest.param(["./data:/data", "v1:/v1"], [{"type": "volume", "source": "v2", "target": "/data"}, "v3:/v3"], [{"type": "volume", "source": "v2", "target": "/data"}, "v1:/v1", "v3:/v3"], id="by-target-in-place"),
    pytest.param(["/a:/data"], ["/b:/data/:ro"], ["/b:/data/:ro"], id="target-normalized"),
    pytest.param(["/cache"], ["cache:/cache"], ["cache:/cache"], id="anonymous-then-named"),
]


@pytest.mark.parametrize("base,over,expected", VOLUMES)
def test_volumes_by_target(base, over, expected):
    assert web(f"volumes: {base}", f"volumes: {over}")["volumes"] == expected


@pytest.mark.parametrize(
    "key,base,over,expected",
    [
        pytest.param("secrets", "[s1, {source: s2, target: /x}]", "[{source: s1, target: s1}, s3, {source: s4, target: /x}]", ["s1", {"source": "s4", "target": "/x"}, {"source": "s1", "target": "s1"}, "s3"], id="secrets"),
        pytest.param("secrets", "[s1]", "[{source: s1, mode: 0400}]", [{"source": "s1", "mode": 0o400}], id="secret-default-target"),
        pytest.param("configs", "[c1]", "[{source: c1, target: /c1}]", [{"source": "c1", "target": "/c1"}], id="configs-at-root"),
    ],
)
def test_secrets_and_configs_by_target(key, base, over, expected):
    assert web(f"{key}: {base}", f"{key}: {over}")[key] == expected


def test_duplicates_in_one_file_keep_the_last_at_the_first_place():
    assert web("ports: ['80:80', '81:81', '80:80/tcp']\nenvironment: [A=1, A=2]") == {"ports": ["80:80/tcp", "81:81"], "environment": ["A=2"]}


RESETS = [
    pytest.param("ports: ['80:80']", "ports: !reset []", {}, id="reset-list"),
    pytest.param("labels: {a: b}", "labels: !reset {}", {}, id="reset-mapping"),
    pytest.param("image: a", "image: !reset null", {}, id="reset-scalar"),
    pytest.param("healthcheck: {test: [CMD, a], interval: 5s}", "healthcheck: {test: !reset []}", {"healthcheck": {"interval": "5s"}}, id="reset-nested"),
    pytest.param("dns: [a]", "dns: !override [z]", {"dns": ["z"]}, id="override-list"),
    pytest.param("environment: [A=1, B=2]", "environment: !override {B: 9}", {"environment": {"B": 9}}, id="override-mapping"),
    pytest.param("build: {context: ., args: {a: 1}}", "build: !override {context: ./o}", {"build": {"context": "./o"}}, id="override-build"),
    pytest.param("depends_on: {db: {condition: service_healthy}}", "depends_on: !override [db]", {"depends_on": ["db"]}, id="override-depends-on"),
    pytest.param("image: a", "ports: !reset ['1:1']", {"image": "a"}, id="reset-without-earlier-value"),
    pytest.param("image: a", "environment: !override {X: 1}", {"image": "a", "environment": {"X": 1}}, id="override-without-earlier-value"),
]


@pytest.mark.parametrize("base,over,expected", RESETS)
def test_reset_and_override(base, over, expected):
    assert web(base, over) == expected


def test_reset_whole_service_and_first_file_markers():
    model, _ = merge("services:\n  web: {image: a}\n  db: {image: d, ports: !reset [1]}\n", "services:\n  web: !reset\n")
    assert model == {"services": {"db": {"image": "d"}}}


def test_top_level_rules():
    base = "networks:\n  n:\n    labels: [a=1]\n    ipam: {config: [{subnet: 10.0.0.0/24, gateway: 10.0.0.1}]}\nx-top: {a: 1, b: 2}\n"
    over = "networks:\n  n:\n    labels: {b: 2}\n    ipam: {config: [{subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}, {subnet: 10.1.0.0/24}]}\nx-top: {b: 3}\n"
    model, problems = merge(base, over)
    assert problems == []
    assert model == {
        "networks": {
            "n": {
                "labels": {"a": "1", "b": 2},
                "ipam": {"config": [{"subnet": "10.0.0.0/24", "gateway": "10.0.0.1", "ip_range": "10.0.0.0/25"}, {"subnet": "10.1.0.0/24"}]},
            }
        },
        "x-top": {"a": 1, "b": 3},
    }


MISMATCHES = [
    pytest.param("deploy: {replicas: 2}", "deploy: 3", "f1.yaml:3:5: services.web.deploy: is a scalar here but a mapping in f0.yaml; write it in the same form in every file", id="mapping-then-scalar"),
    pytest.param("security_opt: [a]", "security_opt: {a: 1}", "f1.yaml:3:5: services.web.security_opt: is a mapping here but a list in f0.yaml; write it in the same form in every file", id="list-then-mapping"),
]


@pytest.mark.parametrize("base,over,line", MISMATCHES)
def test_type_mismatch_is_a_problem(base, over, line):
    _, problems = merge(f"services:\n  web:\n{indent(base)}", f"services:\n  web:\n{indent(over)}")
    assert problems == [line]


def test_scalar_then_container_replaces():
    assert web("healthcheck: x", "healthcheck: {test: [CMD, a]}") == {"healthcheck": {"test": ["CMD", "a"]}}


def test_marks_point_at_the_file_that_gave_each_value():
    base = "services:\n  web:\n    image: a\n    ports: ['80:80']\n    environment: [A=1, B=2]\n"
    over = "# override\nservices:\n  web:\n    image: b\n    ports: ['81:81']\n    environment: {B: 3}\n"
    model, _ = merge(base, over)
    service = model["services"]["web"]
    assert isinstance(service, MarkedDict) and service.mark.file == "f0.yaml"
    assert service.mark_of("image") .file == "f1.yaml" and service.mark_of("image").line == 4
    assert service.mark_of("ports").file == "f0.yaml"  # merged list: where it was first written
    ports = service["ports"]
    assert isinstance(ports, MarkedList)
    assert [(m.file, m.line) for m in ports.item_marks] == [("f0.yaml", 4), ("f1.yaml", 5)]
    environment = service["environment"]
    assert (environment.mark_of("A").file, environment.mark_of("A").line) == ("f0.yaml", 5)
    assert (environment.mark_of("B").file, environment.mark_of("B").line) == ("f1.yaml", 6)


def test_inputs_are_not_modified():
    base = read_source("services:\n  web: {ports: ['80'], environment: [A=1]}\n", "a.yaml").data
    over = read_source("services:\n  web: {ports: ['81'], environment: {B: 2}}\n", "b.yaml").data
    merge_models(merge_models(MarkedDict(), base, []), over, [])
    assert base == {"services": {"web": {"ports": ["80"], "environment": ["A=1"]}}}
    assert over == {"services": {"web": {"ports": ["81"], "environment": {"B": 2}}}}
