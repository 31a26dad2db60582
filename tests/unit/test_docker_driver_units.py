"""The docker driver's pure parts: Compose v2's config-hash labels (expected values recorded
from Docker Compose v2.40.3 `up` of this very file on a private engine), where the engine is
(DOCKER_HOST, docker context), and the create body the engine is sent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from composer.config.load import load_project
from composer.config.options import LoadOptions
from composer.drivers.docker.create_config import container_body, endpoint, labels, network_order
from composer.drivers.docker.engine import DEFAULT_HOST, engine_host
from composer.drivers.docker.hashes import ProjectHashes, go_json
from composer.errors import ComposerError

FILE = """services:
  web:
    image: composer-test/busybox:1
    command: [sleep, "600"]
    environment: {A: "1", B: "x<y"}
    ports: ["127.0.0.1:18081:80"]
    volumes: [data:/data]
    depends_on: [db]
    networks:
      front: {aliases: [www]}
      back: {}
    healthcheck: {test: ["CMD", "true"], interval: 2s}
    restart: unless-stopped
    deploy: {resources: {limits: {memory: 64m}}}
  db:
    image: composer-test/busybox:1
    command: [sleep, "600"]
    networks:
      back: {ipv4_address: 10.199.77.5}
networks:
  front: {}
  back:
    internal: true
    ipam: {config: [{subnet: 10.199.77.0/24}]}
volumes:
  data: {}
"""

# com.docker.compose.config-hash labels Compose v2.40.3 put on project dkx1 of FILE
RECORDED = {
    ("service", "web"): "756fbc4798ad1a208d22fdcf11b9b450d8caa299a7c0a382f57d16a974e7b5b7",
    ("service", "db"): "fad3578212d67f68aabe006c7ef44565070d695d6027de0251a2df95913b3bef",
    ("network", "back"): "5a472c684606ff41423c93bef21b14a0816f56d07a7a1242b64e82b530509f6c",
    ("network", "front"): "37670d4e3fce0413ed39757c9bb463e479d15c13f1a1bb1ac73f8f359cd23ac4",
    ("volume", "data"): "1052506ae9ce3a02ad21cc4364f830b89e44115a2a6d25845369f9588fd2eca9",
}


@pytest.fixture
def project(tmp_path: Path):
    (tmp_path / "compose.yaml").write_text(FILE)
    return load_project(LoadOptions(project_name="dkx1", cwd=str(tmp_path), environ={}))


@pytest.mark.parametrize("kind, key", sorted(RECORDED))
def test_hashes_equal_compose_v2s(project, kind, key):
    assert getattr(ProjectHashes(project), kind)(key) == RECORDED[(kind, key)]


def test_scale_and_dependencies_do_not_change_the_service_hash(tmp_path):
    def hash_of(text: str) -> str:
        (tmp_path / "compose.yaml").write_text(text)
        return ProjectHashes(load_project(LoadOptions(project_name="p", cwd=str(tmp_path), environ={}))).service("a")

    base = "services:\n  a:\n    image: i\n"
    assert hash_of(base) == hash_of(base + "    scale: 3\n    pull_policy: always\n    depends_on: [b]\n  b:\n    image: i\n")
    assert hash_of(base) != hash_of(base + "    environment: {X: y}\n")


def test_go_json_escapes_as_go():
    assert go_json({"a": "<&>\u2028é"}) == '{"a":"\\u003c\\u0026\\u003e\\u2028é"}'.encode()


def test_engine_host_from_env_and_context(tmp_path):
    assert engine_host({"DOCKER_HOST": "tcp://h:2375"}) == "tcp://h:2375"
    assert engine_host({"DOCKER_CONFIG": str(tmp_path)}) == DEFAULT_HOST
    meta = tmp_path / "contexts" / "meta" / hashlib.sha256(b"remote").hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(json.dumps({"Name": "remote", "Endpoints": {"docker": {"Host": "unix:///tmp/x.sock"}}}))
    (tmp_path / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    assert engine_host({"DOCKER_CONFIG": str(tmp_path)}) == "unix:///tmp/x.sock"
    with pytest.raises(ComposerError, match="docker context 'other'"):
        engine_host({"DOCKER_CONFIG": str(tmp_path), "DOCKER_CONTEXT": "other"})


def test_create_body_and_endpoints(project):
    web = project.services["web"]
    keys = network_order(project, web)
    assert keys == ["back", "front"]  # equal priority: by full name, as Compose (dkx1_back first)
    body = container_body(project, web, "composer-test/busybox:1", labels(project, web, 1, "h", "sha256:i", False), "dkx1_back")
    host = body["HostConfig"]
    assert host["Binds"] == ["dkx1_data:/data:rw"]
    assert host["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18081"}]}
    assert host["RestartPolicy"] == {"Name": "unless-stopped", "MaximumRetryCount": 0} and host["Memory"] == 64 * 1024 * 1024
    assert body["Healthcheck"] == {"Test": ["CMD", "true"], "Interval": 2_000_000_000}
    assert body["Labels"]["com.docker.compose.depends_on"] == "db:service_started:false"
    assert endpoint(web, "front", "dkx1-web-1")["Aliases"] == ["dkx1-web-1", "web", "www"]
    assert endpoint(project.services["db"], "back", "dkx1-db-1")["IPAMConfig"] == {"IPv4Address": "10.199.77.5"}


def test_which_logs_composer_writes_itself():
    from composer.config.model import Logging, Service
    from composer.drivers.docker.create_config import pumped_logs

    assert pumped_logs(Service("a", logging=Logging("file", {})))
    assert pumped_logs(Service("a", logging=Logging("json-file", {"path": "/logs/"})))
    assert not pumped_logs(Service("a", logging=Logging("json-file", {"max-size": "1m"})))  # the engine's own
    assert not pumped_logs(Service("a"))
