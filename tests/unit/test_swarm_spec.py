"""The swarm driver's pure parts: compose service → ServiceSpec, its hash, and the lines
naming what Swarm cannot express."""

from __future__ import annotations

from pathlib import Path

from composer.config.load import LoadOptions, load_project
from composer.drivers.swarm.dropped import dropped_features
from composer.drivers.swarm.spec import StackContext, service_spec


def project(tmp_path: Path, text: str):
    (tmp_path / "compose.yaml").write_text(text)
    return load_project(LoadOptions(files=(str(tmp_path / "compose.yaml"),), project_name="st", environ={}))


def context(endpoint_mode: str = "dnsrr", one_shot=frozenset(), secrets=None) -> StackContext:
    return StackContext(project="st", networks={"default": "st_default", "back": "st_back"}, secrets=secrets or {},
                        configs={}, volumes={"data": "st_data"}, endpoint_mode=endpoint_mode, one_shot=frozenset(one_shot))


WEB = """
services:
  web:
    image: web:1
    command: ["serve", "--port", "80"]
    environment: {A: "1"}
    ports: ["8080:80"]
    mem_limit: 64m
    restart: on-failure:3
    networks: {back: {aliases: [front]}}
    volumes: [data:/data]
    deploy:
      replicas: 3
      resources: {limits: {cpus: "0.5"}}
      placement: {constraints: [node.role == worker], max_replicas_per_node: 2}
      update_config: {parallelism: 1, delay: 10s, order: start-first}
      labels: {tier: front}
volumes:
  data: {}
networks:
  back: {}
"""


def test_a_service_becomes_its_spec(tmp_path):
    model = project(tmp_path, WEB)
    spec = service_spec(model, model.services["web"], "web:1", context())
    container = spec["TaskTemplate"]["ContainerSpec"]
    assert spec["Name"] == "st_web" and spec["Labels"]["com.docker.stack.namespace"] == "st" and spec["Labels"]["tier"] == "front"
    assert container["Args"] == ["serve", "--port", "80"] and container["Env"] == ["A=1"]
    assert container["Labels"]["com.docker.compose.service"] == "web"
    assert container["Mounts"] == [{"Type": "volume", "Target": "/data", "ReadOnly": False, "Source": "st_data",
                                    "VolumeOptions": {"Labels": {"com.docker.stack.namespace": "st"}}}]
    assert spec["Mode"] == {"Replicated": {"Replicas": 3}}
    assert spec["TaskTemplate"]["Networks"] == [{"Target": "st_back", "Aliases": ["web", "front"]}]
    assert spec["TaskTemplate"]["RestartPolicy"] == {"Condition": "on-failure", "MaxAttempts": 3}
    assert spec["TaskTemplate"]["Resources"] == {"Limits": {"NanoCPUs": 500_000_000, "MemoryBytes": 64 * 1024 * 1024}}
    assert spec["TaskTemplate"]["Placement"] == {"Constraints": ["node.role == worker"], "MaxReplicas": 2}
    assert spec["UpdateConfig"] == {"Parallelism": 1, "Delay": 10_000_000_000, "Order": "start-first"}


def test_without_ipvs_ports_are_host_mode_and_endpoints_dnsrr(tmp_path):
    model = project(tmp_path, WEB)
    without = service_spec(model, model.services["web"], "web:1", context("dnsrr"))["EndpointSpec"]
    assert without == {"Mode": "dnsrr", "Ports": [{"Protocol": "tcp", "TargetPort": 80, "PublishedPort": 8080, "PublishMode": "host"}]}
    with_ipvs = service_spec(model, model.services["web"], "web:1", context("vip"))["EndpointSpec"]
    assert with_ipvs["Mode"] == "vip" and with_ipvs["Ports"][0]["PublishMode"] == "ingress"


def test_the_hash_changes_with_the_spec_only(tmp_path):
    model = project(tmp_path, WEB)
    first = service_spec(model, model.services["web"], "web:1", context())["Labels"]["com.composer.swarm.spec-hash"]
    assert service_spec(model, model.services["web"], "web:1", context())["Labels"]["com.composer.swarm.spec-hash"] == first
    changed = project(tmp_path, WEB.replace('A: "1"', 'A: "2"'))
    assert service_spec(changed, changed.services["web"], "web:1", context())["Labels"]["com.composer.swarm.spec-hash"] != first
    spec = service_spec(model, model.services["web"], "web:2", context())
    assert spec["TaskTemplate"]["ContainerSpec"]["Labels"]["com.composer.swarm.spec-hash"] == spec["Labels"]["com.composer.swarm.spec-hash"] != first


def test_restart_defaults_any_but_none_for_what_others_wait_to_complete(tmp_path):
    model = project(tmp_path, "services:\n  job: {image: j}\n  app: {image: a}\n")
    assert service_spec(model, model.services["app"], "a", context())["TaskTemplate"]["RestartPolicy"] == {"Condition": "any"}
    job = service_spec(model, model.services["job"], "j", context(one_shot={"job"}))
    assert job["TaskTemplate"]["RestartPolicy"] == {"Condition": "none"}


def test_secrets_are_referenced_by_their_content_named_object(tmp_path):
    (tmp_path / "pw").write_text("x")
    model = project(tmp_path, "services:\n  db: {image: d, secrets: [pw, {source: pw, target: other, mode: 0400}]}\nsecrets:\n  pw: {file: ./pw}\n")
    spec = service_spec(model, model.services["db"], "d", context(secrets={"pw": ("st_pw_abc", "id1")}))
    files = spec["TaskTemplate"]["ContainerSpec"]["Secrets"]
    assert [(f["File"]["Name"], f["File"]["Mode"], f["SecretName"], f["SecretID"]) for f in files] == [
        ("/run/secrets/pw", 0o444, "st_pw_abc", "id1"), ("/run/secrets/other", 0o400, "st_pw_abc", "id1")]


def test_what_swarm_cannot_express_is_named_per_feature_and_service(tmp_path):
    model = project(tmp_path, """
services:
  tool: {image: t, privileged: true, pid: host, ports: ["127.0.0.1:80:80"]}
  fine: {image: f, ports: ["80:80"]}
""")
    assert dropped_features(model) == [
        "service tool: privileged: Swarm services cannot run privileged",
        "service tool: pid: Swarm services cannot share a pid namespace",
        "service tool: ports: 127.0.0.1:80:80: Swarm publishes on every address, not 127.0.0.1",
    ]
