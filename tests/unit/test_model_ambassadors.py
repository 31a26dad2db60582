"""Ambassador addresses (URL and socat-style), and ambassadors inside a project."""

import textwrap
from pathlib import Path

import pytest

from composer.config.ambassadors import AmbassadorSyntaxError, parse_endpoint, parse_shorthand
from composer.config.assembled import Assembled
from composer.config.build import build_project
from composer.config.model import Endpoint, PortMapping
from composer.config.serialize import to_compose_dict
from composer.config.source import read_source
from composer.errors import ComposeError

S = 1_000_000_000


def build(text: str, profiles=()):
    data = read_source(textwrap.dedent(text), "compose.yaml").data
    return build_project(Assembled(["compose.yaml"], Path("/project"), "demo", {}, data, tuple(profiles)))


def problems(text: str, profiles=()) -> list[str]:
    with pytest.raises(ComposeError) as caught:
        build(text, profiles)
    return caught.value.lines()


@pytest.mark.parametrize(
    "text, listening, endpoint",
    [
        ("tcp://:5432", True, Endpoint("tcp", "", 5432)),
        ("tcp://0.0.0.0:80", True, Endpoint("tcp", "0.0.0.0", 80)),
        ("tcp://[::]:80", True, Endpoint("tcp", "::", 80)),
        ("TCP://127.0.0.1:8080", True, Endpoint("tcp", "127.0.0.1", 8080)),
        ("udp://:53", True, Endpoint("udp", "", 53)),
        ("unix:///run/app.sock", True, Endpoint("unix", path="/run/app.sock")),
        ("unix://sockets/app.sock", True, Endpoint("unix", path="/app.sock", volume="sockets")),
        ("unix://sockets/sub/dir/app.sock", False, Endpoint("unix", path="/sub/dir/app.sock", volume="sockets")),
        ("tcp://pgdb:5432", False, Endpoint("tcp", "pgdb", 5432)),
        ("tcp://db.example.com:5432", False, Endpoint("tcp", "db.example.com", 5432)),
        ("tcp://[2001:db8::1]:443", False, Endpoint("tcp", "2001:db8::1", 443)),
        ("udp://dns:53", False, Endpoint("udp", "dns", 53)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parse_endpoint(text, listening, endpoint):
    assert parse_endpoint(text, listening) == endpoint


@pytest.mark.parametrize(
    "endpoint, text",
    [
        (Endpoint("tcp", "", 5432), "tcp://:5432"),
        (Endpoint("tcp", "::", 80), "tcp://[::]:80"),
        (Endpoint("unix", path="/run/a.sock"), "unix:///run/a.sock"),
        (Endpoint("unix", path="/a.sock", volume="v"), "unix://v/a.sock"),
    ],
)
def test_endpoint_prints_as_it_parses(endpoint, text):
    assert str(endpoint) == text
    assert parse_endpoint(text, listening=True) == endpoint


@pytest.mark.parametrize(
    "text, listening, message",
    [
        ("http://x:80", True, "'http://x:80' is not an address"),
        ("tcp://:0", True, "'tcp://:0' has no valid port (1-65535)"),
        ("tcp://:70000", True, "'tcp://:70000' has no valid port (1-65535)"),
        ("tcp://:http", True, "'tcp://:http' has no valid port (1-65535)"),
        ("tcp://localhost", False, "'tcp://localhost' has no port"),
        ("tcp://db:5432", True, "'tcp://db:5432' listens on 'db', which is not an IP address"),
        ("tcp://:5432", False, "'tcp://:5432' has no host to connect to"),
        ("tcp://[::1:80", False, "'tcp://[::1:80' is not an address"),
        ("unix://", True, "'unix://' has no socket path"),
        ("unix://volume", True, "'unix://volume' has no socket path"),
        ("unix:///run/", True, "'unix:///run/' is not a socket path"),
        ("unix:///run/../etc/x", True, "'unix:///run/../etc/x' is not a socket path"),
    ],
)
def test_bad_endpoints(text, listening, message):
    with pytest.raises(AmbassadorSyntaxError) as caught:
        parse_endpoint(text, listening)
    assert caught.value.message == message
    assert caught.value.hint


@pytest.mark.parametrize(
    "text, listen, target",
    [
        ("TCP-LISTEN:2375 UNIX-CONNECT:/var/run/docker.sock", Endpoint("tcp", "", 2375), Endpoint("unix", path="/var/run/docker.sock")),
        ("tcp-listen:8080,fork,reuseaddr TCP:web:80", Endpoint("tcp", "", 8080), Endpoint("tcp", "web", 80)),
        ("TCP4-LISTEN:80,bind=127.0.0.1 TCP4:10.0.0.2:8080", Endpoint("tcp", "127.0.0.1", 80), Endpoint("tcp", "10.0.0.2", 8080)),
        ("TCP6-LISTEN:80,bind=[::1] TCP:[::1]:81", Endpoint("tcp", "::1", 80), Endpoint("tcp", "::1", 81)),
        ("UDP-LISTEN:53 UDP:dns.example.com:53", Endpoint("udp", "", 53), Endpoint("udp", "dns.example.com", 53)),
        ("UNIX-LISTEN:/run/x.sock TCP:api:9000", Endpoint("unix", path="/run/x.sock"), Endpoint("tcp", "api", 9000)),
        ("  TCP-LISTEN:1   UNIX-CLIENT:/s  ", Endpoint("tcp", "", 1), Endpoint("unix", path="/s")),
    ],
)
def test_parse_shorthand(text, listen, target):
    assert parse_shorthand(text) == (listen, target)


@pytest.mark.parametrize(
    "text, message",
    [
        ("TCP-LISTEN:2375", "'TCP-LISTEN:2375' is not two socat addresses"),
        ("TCP-LISTEN:1 TCP:a:2 TCP:b:3", "'TCP-LISTEN:1 TCP:a:2 TCP:b:3' is not two socat addresses"),
        ("TCP:db:5432 TCP-LISTEN:80", "'TCP' is not a socat listening address type"),
        ("TCP-LISTN:80 TCP:db:5432", "'TCP-LISTN' is not a socat listening address type"),
        ("TCP-LISTEN:80 TCP-LISTEN:81", "'TCP-LISTEN' is not a socat connecting address type"),
        ("TCP-LISTEN:80 TCP:db", "'TCP:db' has no port"),
        ("TCP-LISTEN:80,crlf TCP:db:1", "'TCP-LISTEN:80,crlf' has an unsupported socat option 'crlf'"),
        ("UNIX-LISTEN:rel.sock TCP:db:1", "'UNIX-LISTEN:rel.sock' needs an absolute socket path"),
        ("TCP-LISTEN:99999 TCP:db:1", "'TCP-LISTEN:99999' has no valid port (1-65535)"),
    ],
)
def test_bad_shorthand(text, message):
    with pytest.raises(AmbassadorSyntaxError) as caught:
        parse_shorthand(text)
    assert caught.value.message == message


def test_both_forms_build_one_dataclass_with_defaults():
    project = build(
        """
        services:
          pgdb: {image: postgres}
        networks:
          backend: {}
        volumes:
          sockets: {}
        ambassadors:
          catalogue:
            listen: tcp://:5432
            target: tcp://pgdb:5432
            networks: [backend]
            ports: ["127.0.0.1:15432:5432"]
            retry: 10s
            connect_timeout: 5s
            balance: least-connections
            max_connections: 100
            idle_timeout: 10m
          docker-api: "TCP-LISTEN:2375 UNIX-CONNECT:/var/run/docker.sock"
          inbox:
            listen: unix://sockets/in.sock
            target: tcp://mail.example.com:25
        """
    )
    catalogue = project.ambassadors["catalogue"]
    assert catalogue.target_service == "pgdb"
    assert catalogue.networks == ("backend",)
    assert catalogue.ports == (PortMapping(target=5432, published="15432", host_ip="127.0.0.1"),)
    assert (catalogue.retry, catalogue.connect_timeout, catalogue.idle_timeout) == (10 * S, 5 * S, 600 * S)
    assert (catalogue.balance, catalogue.max_connections) == ("least-connections", 100)
    api = project.ambassadors["docker-api"]
    assert api.target_service is None and api.shorthand is not None
    assert (api.retry, api.balance, api.networks) == (30 * S, "round-robin", ("default",))
    assert project.ambassadors["inbox"].target_service is None
    assert set(project.networks) == {"backend", "default"}  # the default network exists for them
    assert set(project.volumes) == {"sockets"}  # used by an ambassador, so kept


def test_x_ambassadors_is_the_same_section():
    project = build(
        """
        services:
          web: {image: nginx}
        x-ambassadors:
          front: "TCP-LISTEN:80 TCP:web:8080"
        """
    )
    assert project.ambassadors["front"].target_service == "web"


def test_serialized_mapping_form_builds_the_same_ambassador():
    text = """
        services:
          web: {image: nginx}
        ambassadors:
          front: "TCP-LISTEN:80,bind=127.0.0.1 TCP:web:8080"
          sock:
            listen: unix:///run/s.sock
            target: tcp://web:81
            retry: 0s
        """
    project = build(text)
    printed = to_compose_dict(project)["ambassadors"]
    assert printed["front"] == {"listen": "tcp://127.0.0.1:80", "target": "tcp://web:8080", "networks": ["default"], "retry": "30s", "balance": "round-robin"}
    assert printed["sock"]["retry"] == "0s"
    again = build("services:\n  web: {image: nginx}\nambassadors:\n" + textwrap.indent(_yaml(printed), "  "))
    assert again.ambassadors == project.ambassadors


def _yaml(value) -> str:
    import yaml

    return yaml.safe_dump(value, sort_keys=False)


BAD_PROJECTS = [
    (
        "typo-in-target",
        """
        services:
          pgdb: {image: postgres}
        ambassadors:
          db: {listen: "tcp://:5432", target: "tcp://pgbd:5432"}
        """,
        ["compose.yaml:5:31: ambassadors.db.target: ambassador 'db' targets 'pgbd', which is not a service of this project; did you mean 'pgdb'?"],
    ),
    (
        "name-of-a-service",
        """
        services:
          db: {image: postgres}
        ambassadors:
          db: "TCP-LISTEN:1 TCP:db:5432"
        """,
        ["compose.yaml:5:3: ambassadors.db: ambassador 'db' has the name of a service; services and ambassadors share one namespace: rename one"],
    ),
    (
        "undefined-network",
        """
        services:
          db: {image: postgres}
        ambassadors:
          proxy: {listen: "tcp://:1", target: "tcp://db:2", networks: [back]}
        """,
        ["compose.yaml:5:64: ambassadors.proxy.networks[0]: ambassador 'proxy' refers to undefined network 'back'; define it under top-level networks:"],
    ),
    (
        "undefined-volume",
        """
        ambassadors:
          proxy: {listen: "unix://socks/a.sock", target: "tcp://10.0.0.1:2"}
        """,
        ["compose.yaml:3:3: ambassadors.proxy: ambassador 'proxy' refers to undefined volume 'socks'; define it under top-level volumes:"],
    ),
    (
        "disabled-target",
        """
        services:
          db: {image: postgres, profiles: [data]}
        ambassadors:
          proxy: {listen: "tcp://:1", target: "tcp://db:2"}
        """,
        ["compose.yaml:5:31: ambassadors.proxy.target: ambassador 'proxy' depends on service 'db', which is disabled by its profiles (data); enable one with --profile, or remove the dependency"],
    ),
    (
        "udp-to-tcp",
        """
        ambassadors:
          dns: "UDP-LISTEN:53 TCP:10.0.0.1:53"
        """,
        ["compose.yaml:3:3: ambassadors.dns: ambassador 'dns' cannot forward udp to tcp; udp only forwards to udp"],
    ),
    (
        "unix-with-ports",
        """
        ambassadors:
          s: {listen: "unix:///run/a.sock", target: "tcp://10.0.0.1:1", ports: ["80:80"]}
        """,
        ["compose.yaml:3:3: ambassadors.s: ambassador 's' listens on a unix socket and cannot publish ports; remove ports: or listen on tcp://"],
    ),
    (
        "missing-target-and-bad-balance",
        """
        ambassadors:
          s: {listen: "tcp://:1", balance: random}
        """,
        [
            "compose.yaml:3:3: ambassadors.s: ambassador 's' is missing 'target'; add target: tcp://…",
            "compose.yaml:3:27: ambassadors.s.balance: 'random' is not one of round-robin, least-connections",
        ],
    ),
    (
        "unknown-key",
        """
        ambassadors:
          s: {listen: "tcp://:1", target: "tcp://10.0.0.1:1", retries: 3}
        """,
        ["compose.yaml:3:55: ambassadors.s.retries: unknown key; did you mean 'retry'?"],
    ),
    (
        "wrong-type",
        """
        ambassadors:
          s: [tcp://:1]
        """,
        ["compose.yaml:3:3: ambassadors.s: must be a mapping or a socat-style string, not a list; " 'write "TCP-LISTEN:PORT TCP:HOST:PORT" (socat style) or use the mapping form'],
    ),
    (
        "defined-twice",
        """
        ambassadors:
          s: "TCP-LISTEN:1 TCP:10.0.0.1:1"
        x-ambassadors:
          s: "TCP-LISTEN:1 TCP:10.0.0.1:1"
        """,
        ["compose.yaml:5:3: x-ambassadors.s: ambassador 's' is defined twice; keep one of ambassadors: / x-ambassadors:"],
    ),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in BAD_PROJECTS], ids=[case[0] for case in BAD_PROJECTS])
def test_ambassador_problems(text, expected):
    assert problems(text) == expected


def test_fast_path_is_auto_unless_turned_off_and_the_driver_asks_the_kernel_only_for_plain_ones():
    from composer.drivers.runc.ambassadors import kernel_can_keep

    project = build("""
        services: {db: {image: x}}
        ambassadors:
          plain: {listen: 'tcp://:80', target: 'tcp://db:80'}
          off: {listen: 'tcp://:81', target: 'tcp://db:80', fast_path: 'off'}
          limited: {listen: 'tcp://:82', target: 'tcp://db:80', max_connections: 10}
          fewest: {listen: 'tcp://:83', target: 'tcp://db:80', balance: least-connections}
    """)
    chosen = {name: kernel_can_keep(a) for name, a in project.ambassadors.items()}
    assert chosen == {"fewest": False, "limited": False, "off": False, "plain": True}
    assert to_compose_dict(project)["ambassadors"]["off"]["fast_path"] == "off"
    assert "fast_path" not in to_compose_dict(project)["ambassadors"]["plain"]
    assert any("fast_path" in line and "auto, off" in line for line in problems("""
        services: {db: {image: x}}
        ambassadors: {a: {listen: 'tcp://:80', target: 'tcp://db:80', fast_path: kernel}}
    """))
