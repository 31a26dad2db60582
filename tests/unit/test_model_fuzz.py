"""Mangled compose files: whatever is wrong, build_project raises ComposeError and nothing else."""

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.config.assembled import Assembled
from composer.config.build import build_project
from composer.config.source import read_source
from composer.errors import ComposeError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "model"
AMBASSADORS = """
services:
  pgdb: {image: postgres}
networks: {backend: {}}
volumes: {sockets: {}}
ambassadors:
  catalogue: {listen: "tcp://:5432", target: "tcp://pgdb:5432", networks: [backend], ports: ["15432:5432"], retry: 30s}
  docker-api: "TCP-LISTEN:2375 UNIX-CONNECT:/var/run/docker.sock"
  inbox: {listen: "unix://sockets/in.sock", target: "tcp://mail.example.com:25", balance: least-connections}
"""
SEEDS = [yaml.safe_load((p / "compose.yaml").read_text()) for p in sorted(FIXTURES.iterdir()) if (p / "compose.yaml").exists()]
SEEDS.append(yaml.safe_load(AMBASSADORS))

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), text,
                    st.sampled_from(["80:80", "1m30s", "512m", "tcp://:1", "service:web", "x-y", "", "-1", "0o7"]))  # fmt: skip
keys = st.one_of(text, st.integers(-5, 5), st.booleans(), st.sampled_from(["image", "ports", "x-a", "default"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)), max_leaves=6)


def paths(tree, prefix=()):
    """Every (path) to a value in the tree, containers included."""
    yield prefix
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from paths(value, (*prefix, index))


def mutate(tree, data):
    path = data.draw(st.sampled_from(list(paths(tree))))
    if not path:
        return data.draw(values)
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    key = path[-1]
    action = data.draw(st.sampled_from(["delete", "replace", "wrap-list", "wrap-dict", "add-key"]))
    if action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = data.draw(values)
    elif action == "wrap-list":
        parent[key] = [parent[key]]
    elif action == "wrap-dict":
        parent[key] = {data.draw(keys): parent[key]}
    elif isinstance(parent[key], dict):
        parent[key][data.draw(keys)] = data.draw(values)
    return tree


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mangled_files_raise_only_compose_error(data):
    tree = yaml.safe_load(yaml.safe_dump(data.draw(st.sampled_from(SEEDS))))  # a fresh copy
    for _ in range(data.draw(st.integers(1, 4))):
        tree = mutate(tree, data)
    try:
        parsed = read_source(yaml.safe_dump(tree, allow_unicode=True), "compose.yaml").data  # refuses non-string keys
        assembled = Assembled(["compose.yaml"], FIXTURES / "env-files", "fuzz", {"HOME": "/home/tester"}, parsed, ("debug",), ())
        build_project(assembled)
    except ComposeError as error:
        assert error.lines() and all("\n" not in line for line in error.lines())
