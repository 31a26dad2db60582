"""`compose config` and `compose graph` as a user runs them: a subprocess, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STACK = """\
name: shop
services:
  web:
    image: "nginx:${WEB_TAG:-1.25}"
    ports: ["8080:80"]
    depends_on:
      app: {condition: service_started}
  app:
    build: ./app
    environment: [DB_URL=postgres://db/shop]
    depends_on:
      db: {condition: service_healthy}
    links: ["catalogue:cat"]
  db:
    image: postgres:16
    healthcheck: {test: ["CMD", "pg_isready"], interval: 2s}
    volumes: [dbdata:/var/lib/postgresql/data]
  debug:
    image: busybox
    profiles: [debug]
volumes:
  dbdata: {}
ambassadors:
  catalogue: "TCP-LISTEN:5432 TCP:db:5432"
"""


def compose(*args: str, cwd: Path, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "composer", *args], cwd=cwd, input=stdin, capture_output=True, text=True, env=environ, timeout=60
    )


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    (tmp_path / "compose.yaml").write_text(STACK)
    (tmp_path / "app").mkdir()
    return tmp_path


def test_config_prints_canonical_yaml_and_loads_back_the_same(shop: Path):
    first = compose("config", cwd=shop)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("name: shop\n")
    assert "image: nginx:1.25" in first.stdout
    assert f"context: {shop / 'app'}" in first.stdout
    again = compose("-f", "-", "--project-directory", str(shop), "config", cwd=shop, stdin=first.stdout)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout


def test_config_json_and_listings(shop: Path):
    data = json.loads(compose("config", "--format", "json", cwd=shop).stdout)
    assert sorted(data["services"]) == ["app", "db", "web"]
    assert data["services"]["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert compose("config", "--services", cwd=shop).stdout.split() == ["app", "db", "web"]
    assert compose("--profile", "debug", "config", "--services", cwd=shop).stdout.split() == ["app", "db", "debug", "web"]
    assert compose("config", "--profiles", cwd=shop).stdout.split() == ["debug"]
    assert compose("config", "--volumes", cwd=shop).stdout.split() == ["dbdata"]
    assert compose("config", "--images", cwd=shop).stdout.split() == ["shop-app", "postgres:16", "nginx:1.25"]
    hashes = compose("config", "--hash", "web,db", cwd=shop).stdout.splitlines()
    assert [line.split()[0] for line in hashes] == ["web", "db"] and all(len(line.split()[1]) == 64 for line in hashes)


def test_interpolation_from_env_file_and_no_interpolate(shop: Path):
    (shop / ".env").write_text("WEB_TAG=1.27\n")
    assert "image: nginx:1.27" in compose("config", cwd=shop).stdout
    raw = compose("config", "--no-interpolate", cwd=shop).stdout
    assert "image: nginx:${WEB_TAG:-1.25}" in raw


def test_quiet_validates_and_output_file(shop: Path):
    quiet = compose("config", "-q", cwd=shop)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    out = shop / "resolved.yaml"
    assert compose("config", "-o", str(out), cwd=shop).returncode == 0
    assert out.read_text().startswith("name: shop\n")


def test_discovers_the_file_from_a_subdirectory(shop: Path):
    result = compose("config", "--services", cwd=shop / "app")
    assert result.returncode == 0 and result.stdout.split() == ["app", "db", "web"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("services:\n  web:\n    image: x\n    prots: [80]\n", "compose.yaml:4:5: services.web.prots: unknown key; did you mean 'ports'?"),
        ("services:\n  web:\n    image: x\n    ports: [\"80:80:80:80\"]\n", "compose.yaml:4:13: services.web.ports[0]:"),
        ("services:\n  web: {image: x, depends_on: [api]}\n  api: {image: x, depends_on: [web]}\n", "dependency cycle: "),
        ("services:\n  web: {image: x\n", "compose.yaml:3:1: YAML syntax error"),
        ("services:\n  web: {image: \"${TAG:?set TAG first}\"}\n", "compose.yaml:2:9: services.web.image: required variable TAG is missing a value: set TAG first"),
    ],
    ids=["unknown-key", "bad-port", "cycle", "yaml-syntax", "required-variable"],
)
def test_bad_input_is_one_line_per_problem_and_exit_1(tmp_path: Path, text: str, expected: str):
    (tmp_path / "compose.yaml").write_text(text)
    result = compose("config", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and expected in first, result.stderr


def test_every_problem_is_reported_in_one_pass(tmp_path: Path):
    (tmp_path / "compose.yaml").write_text("services:\n  a: {image: x, restart: sometimes}\n  b: {imag: x}\n  c: {image: x, networks: [nope]}\n")
    lines = compose("config", cwd=tmp_path).stderr.splitlines()
    assert len(lines) == 4, lines  # b: an unknown key, and so no image either
    assert [line.split(":")[2] for line in lines] == ["2", "3", "3", "4"]  # sorted by line


def test_missing_file_says_what_was_searched(tmp_path: Path):
    result = compose("config", cwd=tmp_path)
    assert result.returncode == 1
    assert "compose.yaml" in result.stderr and "docker-compose.yml" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_graph_text_and_dot(shop: Path):
    text = compose("graph", cwd=shop)
    assert text.stdout.splitlines() == ["1: catalogue (ambassador), db", "2: app", "3: web"]
    assert compose("graph", "app", "--no-deps", cwd=shop).stdout.splitlines() == ["1: app"]
    dot = compose("graph", "--format", "dot", cwd=shop).stdout
    assert dot.startswith("digraph compose {") and '"web" -> "app"' in dot


def test_help_and_version_are_quick_paths(tmp_path: Path):
    assert compose("--help", cwd=tmp_path).stdout.startswith("usage: compose")
    assert compose("version", "--short", cwd=tmp_path).stdout.strip() == "0.1.0"
