"""Bad compose files: every problem found in one pass, each as one exact line."""

from pathlib import Path

import pytest

from composer.config.assembled import Assembled
from composer.config.build import build_project
from composer.config.source import read_source
from composer.errors import ComposeError


def problems(text: str, profiles=()) -> list[str]:
    data = read_source(text, "compose.yaml").data
    with pytest.raises(ComposeError) as caught:
        build_project(Assembled(["compose.yaml"], Path("/project"), "demo", {}, data, tuple(profiles)))
    assert all("\n" not in line for line in caught.value.lines())
    return caught.value.lines()


CASES = [
    pytest.param(
        'servics:\n  a: {image: x}\n',
        [
            "compose.yaml:1:1: servics: unknown key; did you mean 'services'?",
        ],
        id='unknown-top',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    imag: y\n    port: [80]\n',
        [
            "compose.yaml:4:5: services.web.imag: unknown key; did you mean 'image'?",
            "compose.yaml:5:5: services.web.port: unknown key; did you mean 'ports'?",
        ],
        id='unknown-service-key',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    ports: "80:80"\n',
        [
            'compose.yaml:4:5: services.web.ports: must be a list, not a string',
        ],
        id='ports-not-list',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    ports: ["80:80:80", "abc", "80/xyz", "70000", "8000-8002:80-81", {published: 80}, {target: 80, mode: bridge}]\n',
        [
            "compose.yaml:4:13: services.web.ports[0]: '80:80:80' is not a port mapping: '80' is not an IP address; use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp",
            "compose.yaml:4:25: services.web.ports[1]: 'abc' is not a port mapping: 'abc' is not a container port or range; use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp",
            "compose.yaml:4:32: services.web.ports[2]: '80/xyz' is not a port mapping: 'xyz' is not a protocol (tcp, udp or sctp); use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp",
            "compose.yaml:4:42: services.web.ports[3]: '70000' is not a port mapping: '70000' is not a container port or range (0-65535); use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp",
            "compose.yaml:4:51: services.web.ports[4]: '8000-8002:80-81' is not a port mapping: host range 8000-8002 and container range 80-81 differ in length; use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp",
            'compose.yaml:4:70: services.web.ports[5]: is missing a target port; add target: CONTAINER_PORT',
            "compose.yaml:4:100: services.web.ports[6].mode: 'bridge' is not one of ingress, host",
        ],
        id='bad-port',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    stop_grace_period: 30\n    healthcheck: {interval: 1m 30s, timeout: 5x, retries: many}\n',
        [
            'compose.yaml:4:5: services.web.stop_grace_period: 30 is not a duration; write it as a string with a unit, like 30s, 1m30s or 500ms',
            "compose.yaml:5:19: services.web.healthcheck.interval: '1m 30s' is not a duration; use a number with a unit: ns, us, ms, s, m, h, d (like 1m30s)",
            "compose.yaml:5:37: services.web.healthcheck.timeout: '5x' is not a duration; use a number with a unit: ns, us, ms, s, m, h, d (like 1m30s)",
            'compose.yaml:5:50: services.web.healthcheck.retries: must be an integer, not a string',
        ],
        id='bad-duration',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    mem_limit: 1.5.5m\n    shm_size: lots\n',
        [
            "compose.yaml:4:5: services.web.mem_limit: '1.5.5m' is not a size; use a number with an optional unit b, k, m, g, t, p (like 512m or 1.5g)",
            "compose.yaml:5:5: services.web.shm_size: 'lots' is not a size; use a number with an optional unit b, k, m, g, t, p (like 512m or 1.5g)",
        ],
        id='bad-size',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    ulimits: {nofile: {soft: 2, hard: 1}, nproc: {soft: 1}, core: abc}\n',
        [
            'compose.yaml:4:15: services.web.ulimits.nofile: soft limit 2 is over the hard limit 1',
            'compose.yaml:4:43: services.web.ulimits.nproc: needs both soft and hard; write nproc: {soft: N, hard: N} or nproc: N',
            'compose.yaml:4:61: services.web.ulimits.core: must be an integer, not a string',
        ],
        id='bad-ulimits',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    healthcheck: {test: [curl, x]}\n',
        [
            'compose.yaml:4:19: services.web.healthcheck.test: a test list must start with NONE, CMD or CMD-SHELL; write ["CMD", "curl", "-f", "http://localhost"] or a string',
        ],
        id='bad-healthcheck-test',
    ),
    pytest.param(
        'services:\n  web:\n    ports: [80]\n',
        [
            "compose.yaml:2:3: services.web: service 'web' has neither an image nor a build context; add image: NAME or build: DIRECTORY",
        ],
        id='no-image',
    ),
    pytest.param(
        'services:\n  web:\n',
        [
            'compose.yaml:2:3: services.web: is empty; give it an image: or a build:',
        ],
        id='empty-service',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    networks: [front]\n    volumes: [data:/data]\n    secrets: [s]\n    configs: [c]\n    depends_on: [db]\n    links: [cache:c]\n    volumes_from: [store]\n  other:\n    image: x\n    network_mode: service:vpn\n',
        [
            "compose.yaml:4:16: services.web.networks[0]: service 'web' refers to undefined network 'front'; define it under top-level networks:",
            "compose.yaml:5:15: services.web.volumes[0]: service 'web' refers to undefined volume 'data'; define it under top-level volumes:",
            "compose.yaml:6:15: services.web.secrets[0]: service 'web' refers to undefined secret 's'; define it under top-level secrets:",
            "compose.yaml:7:15: services.web.configs[0]: service 'web' refers to undefined config 'c'; define it under top-level configs:",
            "compose.yaml:8:18: services.web.depends_on[0]: service 'web' depends on undefined service 'db'; define the service, or fix the name",
            "compose.yaml:9:13: services.web.links[0]: service 'web' depends on undefined service 'cache'; define the service, or fix the name",
            "compose.yaml:10:20: services.web.volumes_from[0]: service 'web' depends on undefined service 'store'; define the service, or fix the name",
            "compose.yaml:13:5: services.other.network_mode: service 'other' depends on undefined service 'vpn'; define the service, or fix the name",
        ],
        id='undefined-refs',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    depends_on: [db]\n  db:\n    image: x\n    profiles: [data]\n',
        [
            "compose.yaml:4:18: services.web.depends_on[0]: service 'web' depends on service 'db', which is disabled by its profiles (data); enable one with --profile, or remove the dependency",
        ],
        id='disabled-dep',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    network_mode: host\n    networks: [n]\nnetworks:\n  n: {}\n',
        [
            "compose.yaml:4:5: services.web.network_mode: service 'web' sets both network_mode and networks; keep one of them",
        ],
        id='netmode-and-networks',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    container_name: web1\n    deploy: {replicas: 2}\n',
        [
            "compose.yaml:4:5: services.web.container_name: service 'web' sets container_name but runs 2 replicas; container names must be unique: remove container_name or run one replica",
        ],
        id='container-name-replicas',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    scale: 2\n    deploy: {replicas: 3}\n',
        [
            "compose.yaml:4:5: services.web.scale: service 'web' sets scale 2 and deploy.replicas 3; keep one of them",
        ],
        id='scale-vs-replicas',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    mem_limit: 1g\n    deploy: {resources: {limits: {memory: 2g}}}\n',
        [
            "compose.yaml:4:5: services.web.mem_limit: service 'web' sets mem_limit and deploy.resources.limits.memory to different values; keep one of them",
        ],
        id='mem-vs-limits',
    ),
    pytest.param(
        'services:\n  web:\n    image: [x]\n    environment: 5\n    privileged: maybe\n    command: {a: b}\n    labels: [=x]\n',
        [
            'compose.yaml:3:5: services.web.image: must be a string, not a list',
            'compose.yaml:4:5: services.web.environment: must be a mapping, not a number',
            'compose.yaml:5:5: services.web.privileged: must be a boolean, not a string; write true or false',
            'compose.yaml:6:5: services.web.command: must be a string or a list, not a mapping',
            "compose.yaml:7:14: services.web.labels[0]: '=x' has no name before '='; write NAME=VALUE",
        ],
        id='wrong-types',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    volumes: ["vol:/b:ro:x", ":::", {type: bind, target: /x}, {source: v}]\n',
        [
            "compose.yaml:4:15: services.web.volumes[0]: 'vol:/b:ro:x' is not a volume: too many colons; use [SOURCE:]TARGET[:ro|rw|nocopy|z|Z|PROPAGATION], like ./data:/data:ro",
            "compose.yaml:4:30: services.web.volumes[1]: ':::' is not a volume: an empty part between colons; use [SOURCE:]TARGET[:ro|rw|nocopy|z|Z|PROPAGATION], like ./data:/data:ro",
            'compose.yaml:4:37: services.web.volumes[2]: a bind mount needs a source; add source: HOST_PATH',
            "compose.yaml:4:63: services.web.volumes[3]: is missing 'type'; add type: …",
        ],
        id='bad-volume',
    ),
    pytest.param(
        'services: [web]\n',
        [
            'compose.yaml:1:1: services: must be a mapping, not a list',
        ],
        id='services-list',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    restart: sometimes\n',
        [
            "compose.yaml:4:5: services.web.restart: 'sometimes' is not a restart policy; use no, always, on-failure[:N] or unless-stopped",
        ],
        id='bad-restart',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    depends_on:\n      db: {condition: healthy}\n  db:\n    image: x\n',
        [
            "compose.yaml:5:12: services.web.depends_on.db.condition: 'healthy' is not one of service_started, service_healthy, service_completed_successfully; did you mean 'service_healthy'?",
        ],
        id='depends-condition',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    volumes: ["v:/v"]\nvolumes:\n  v: {external: true, driver: local}\n',
        [
            'compose.yaml:6:23: volumes.v.driver: conflicting parameters "external" and "driver" specified; remove driver: an external resource is not created by composer',
        ],
        id='external-with-driver',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    secrets: [s]\nsecrets:\n  s: {name: x}\n',
        [
            "compose.yaml:6:3: secrets.s: secret 's' needs one of file or environment; or mark it external: true",
        ],
        id='secret-no-source',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    env_file: nope.env\n',
        [
            'compose.yaml:4:5: services.web.env_file: env file /project/nope.env not found; create it, or mark it required: false',
        ],
        id='env-file-missing',
    ),
    pytest.param(
        "services:\n  'web app':\n    image: x\n",
        [
            "compose.yaml:2:3: services.web app: 'web app' is not a valid service name; use letters, digits, '.', '_', '-', starting with a letter or digit",
        ],
        id='bad-service-name',
    ),
    pytest.param(
        '- a\n- b\n',
        [
            'compose.yaml:1:1: must be a mapping, not a list',
        ],
        id='top-not-mapping',
    ),
    pytest.param(
        'services:\n  web:\n    image: x\n    networks: [frontend]\nnetworks:\n  front-end: {}\n',
        [
            "compose.yaml:4:16: services.web.networks[0]: service 'web' refers to undefined network 'frontend'; did you mean 'front-end'?",
        ],
        id='network-typo',
    ),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_problems(text, expected):
    assert problems(text) == expected

def test_one_line_counts_the_rest():
    data = read_source("services:\n  a: {image: x, ports: [abc], mem_limit: lots}\n", "compose.yaml").data
    with pytest.raises(ComposeError) as caught:
        build_project(Assembled(["compose.yaml"], Path("/project"), "demo", {}, data))
    assert caught.value.one_line() == (
        "compose.yaml:2:25: services.a.ports[0]: 'abc' is not a port mapping: 'abc' is not a container port or range; "
        "use [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], like 127.0.0.1:8080:80/tcp (and 1 more)"
    )


def test_unknown_requested_service():
    data = read_source("services:\n  web: {image: x}\n", "compose.yaml").data
    with pytest.raises(ComposeError) as caught:
        build_project(Assembled(["compose.yaml"], Path("/project"), "demo", {}, data, (), ("wbe",)))
    assert caught.value.lines() == ["<input>: services.wbe: no such service: 'wbe'; did you mean 'web'?"]
