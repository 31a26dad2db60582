"""Bridge networks with real containers: names, isolation, recreate, scale, static IPs, cleanup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = pytest.mark.needs_root

IMAGE = BUSYBOX_REF
SERVE = '["sh", "-c", "echo {text} > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]'


def http_service(name: str, text: str, networks: str = "", extra: str = "") -> str:
    return f"  {name}:\n    image: {IMAGE}\n    command: {SERVE.format(text=text)}\n{networks}{extra}"


def fetch(project, service: str, url: str, attempts: int = 20) -> subprocess.CompletedProcess:
    """wget from inside `service`; retried briefly, since a server may still be starting."""
    for _ in range(attempts):
        result = project.compose("exec", "-T", service, "timeout", "2", "wget", "-q", "-O-", url, timeout=30)
        if result.returncode == 0:
            return result
        time.sleep(0.25)
    return result


def project_links_and_namespaces(name: str) -> tuple[list[str], list[str]]:
    netns = [n for n in os.listdir("/run/netns") if n.startswith(f"{name}-")] if os.path.isdir("/run/netns") else []
    links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
    ours = [line for line in links.splitlines() if f"composer {name} " in line or f"composer {name}\\" in line]
    return netns, ours


FRONT = "    networks: [front]\n"
BOTH = "    networks: [front, back]\n"
BACK = "    networks:\n      back:\n        aliases: [database]\n"
TWO_TIER = (
    "services:\n"
    + http_service("web", "web-page", FRONT)
    + http_service("app", "app-page", BOTH)
    + http_service("db", "db-page", BACK)
    + "networks:\n  front: {}\n  back: {}\n"
)


def test_services_talk_by_name_only_on_shared_networks(project):
    project.write(TWO_TIER)
    assert project.compose("up", "-d").returncode == 0
    assert fetch(project, "web", "http://app/").stdout.strip() == "app-page"
    assert fetch(project, "app", "http://db/").stdout.strip() == "db-page"
    assert fetch(project, "app", "http://database/").stdout.strip() == "db-page"
    assert fetch(project, "app", f"http://{project.name}-web-1/").stdout.strip() == "web-page"
    assert fetch(project, "web", "http://db/", attempts=1).returncode != 0  # not on back: no name
    db_ip = project.compose("exec", "-T", "db", "hostname", "-i").stdout.split()[0]
    assert fetch(project, "web", f"http://{db_ip}/", attempts=1).returncode != 0  # and no route to its address


def test_recreated_service_is_reached_at_its_new_address_at_once(project):
    project.write(TWO_TIER)
    assert project.compose("up", "-d").returncode == 0
    before = project.compose("exec", "-T", "app", "cat", "/etc/hosts").stdout
    project.write(TWO_TIER.replace("db-page", "db-page-v2"))
    assert project.compose("up", "-d").returncode == 0
    assert fetch(project, "app", "http://db/").stdout.strip() == "db-page-v2"
    after = project.compose("exec", "-T", "app", "cat", "/etc/hosts").stdout
    assert before != after  # the new db has a new address (IPAM rotates), already in app's hosts file


def test_scale_lists_every_replica_and_static_addresses(project):
    project.write(f"""
services:
{http_service("web", "w")}
  client:
    image: {IMAGE}
    command: ["sleep", "600"]
    networks:
      default:
        ipv4_address: 10.213.250.77
networks:
  default:
    ipam:
      config: [{{subnet: 10.213.250.0/24}}]
""")
    assert project.compose("up", "-d", "--scale", "web=3").returncode == 0
    hosts = project.compose("exec", "-T", "client", "cat", "/etc/hosts").stdout
    assert sum(1 for line in hosts.splitlines() if line.split()[1:2] and " web" in f" {' '.join(line.split()[1:])}") == 3
    assert "10.213.250.77" in project.compose("exec", "-T", "client", "ip", "-4", "addr", "show", "eth0").stdout
    assert project.compose("up", "-d", "--scale", "web=1").returncode == 0
    hosts = project.compose("exec", "-T", "client", "cat", "/etc/hosts").stdout
    assert f"{project.name}-web-2" not in hosts and f"{project.name}-web-1" in hosts


def test_internal_network_has_no_way_out(project):
    project.write(f"""
services:
  inside:
    image: {IMAGE}
    command: ["sleep", "600"]
    networks: [sealed]
  outside:
    image: {IMAGE}
    command: ["sleep", "600"]
networks:
  sealed: {{internal: true}}
""")
    assert project.compose("up", "-d").returncode == 0
    assert "default" not in project.compose("exec", "-T", "inside", "ip", "route").stdout
    assert "default via" in project.compose("exec", "-T", "outside", "ip", "route").stdout


def test_two_projects_with_the_same_names_do_not_collide_or_reach_each_other(project, other_project):
    project.write(f"services:\n{http_service('web', 'first')}")
    other_project.write(f"services:\n{http_service('web', 'second')}")
    assert project.compose("up", "-d").returncode == 0
    assert other_project.compose("up", "-d").returncode == 0
    first = project.compose("exec", "-T", "web", "ip", "-4", "route").stdout
    second = other_project.compose("exec", "-T", "web", "ip", "-4", "route").stdout
    assert first.split("\n")[-2] != second.split("\n")[-2]  # different subnets
    assert fetch(project, "web", "http://web/").stdout.strip() == "first"
    assert fetch(other_project, "web", "http://web/").stdout.strip() == "second"
    theirs = other_project.compose("exec", "-T", "web", "hostname", "-i").stdout.split()[0]
    assert fetch(other_project, "web", f"http://{theirs}/").stdout.strip() == "second"  # the control: served on that address
    across = project.compose("exec", "-T", "web", "timeout", "5", "wget", "-q", "-O-", f"http://{theirs}/", timeout=30)
    assert across.returncode != 0 and "second" not in across.stdout  # another project's network is out of reach


def test_down_leaves_no_network_state_even_after_a_killed_up(project):
    project.write(f"services:\n" + "".join(http_service(f"s{i}", str(i)) for i in range(4)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    up = subprocess.Popen([sys.executable, "-m", "composer", "-p", project.name, "up", "-d"], cwd=project.dir, env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    up.send_signal(signal.SIGKILL)
    up.wait()
    down = project.compose("down", "-t", "0")
    assert down.returncode == 0, down.stderr
    netns, links = project_links_and_namespaces(project.name)
    assert netns == [] and links == []
    nft = subprocess.run(["nft", "list", "table", "inet", "composer"], capture_output=True, text=True).stdout
    from netplugins.names import bridge_name

    assert bridge_name(project.name, "default") not in nft


def test_legacy_links_set_dockers_link_variables(project):
    project.write(f"""
services:
  db:
    image: {IMAGE}
    command: ["sleep", "600"]
    expose: ["5432"]
    environment: {{POSTGRES_DB: catalogue}}
  app:
    image: {IMAGE}
    command: ["sleep", "600"]
    links: ["db:database"]
""")
    assert project.compose("up", "-d").returncode == 0
    env = dict(line.split("=", 1) for line in project.compose("exec", "-T", "app", "env").stdout.splitlines() if "=" in line)
    ip = env["DATABASE_PORT_5432_TCP_ADDR"]
    assert env["DATABASE_PORT"] == f"tcp://{ip}:5432" and env["DATABASE_PORT_5432_TCP_PORT"] == "5432"
    assert env["DATABASE_PORT_5432_TCP_PROTO"] == "tcp" and env["DATABASE_NAME"] == "/app/database"
    assert env["DATABASE_ENV_POSTGRES_DB"] == "catalogue"
    assert ip in project.compose("exec", "-T", "app", "cat", "/etc/hosts").stdout
