"""The pure parts of `ps --format json` (composer/cli/ps_cmd.py): Docker's renderings of
COMMAND, times and durations, labels, exposed ports; mounts from a bundle's config.json
(composer/drivers/runc/inventory.py); and container records with and without the labels
field (composer/drivers/runc/records.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from composer.drivers.runc import records
from composer.cli.ps_cmd import (
    container_labels,
    docker_command,
    ellipsis,
    exposed_only,
    go_quote,
    go_time,
    human_duration,
    labels_text,
    ports_text,
)
from composer.drivers.runc.inventory import HostDirs, bundle_mounts, mount_names, network_names


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("sleep", "600"), '"sleep 600"'),
        (("sh", "-c", "exit 3"), "\"sh -c 'exit 3'\""),  # an argument with a space is quoted, as dockerd does
        (("/bin/my prog", "x"), '"/bin/my prog x"'),  # the program is not
        (("echo", "0123456789abcdefghij"), '"echo 0123456789abcd…"'),  # 19 characters and "…"
        (("echo", "0123456789abcde"), '"echo 0123456789abcde"'),  # exactly 20: whole
        ((), '""'),
    ],
)
def test_docker_command(args, text) -> None:
    assert docker_command(args) == text


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [
        ('say "hi"', '"say \\"hi\\""'),
        ("a\\b", '"a\\\\b"'),
        ("tab\there\nnl", '"tab\\there\\nnl"'),
        ("\x01\x7f", '"\\x01\\x7f"'),
        ("café …", '"café …"'),  # printable non-ASCII stays as it is
        ("\u200b\u00a0", '"\\u200b\\u00a0"'),  # not printable for Go either
    ],
)
def test_go_quote(raw, quoted) -> None:
    assert go_quote(raw) == quoted


def test_ellipsis_cuts_to_the_width_with_the_last_character_an_ellipsis() -> None:
    assert ellipsis("t1234_data", 15) == "t1234_data"
    assert ellipsis("/tmp/pytest-of-root/x", 15) == "/tmp/pytest-of…"
    assert len(ellipsis("x" * 40, 15)) == 15


def test_go_time_is_go_time_string_in_utc() -> None:
    assert go_time(1714652513) == "2024-05-02 12:21:53 +0000 UTC"
    assert go_time(0) == "1970-01-01 00:00:00 +0000 UTC"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "Less than a second"),
        (0.99, "Less than a second"),
        (1, "1 second"),
        (59.9, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (3599, "59 minutes"),
        (3600, "About an hour"),
        (5399, "About an hour"),
        (5400, "2 hours"),  # 1.5 h rounds up
        (9000, "3 hours"),  # 2.5 h: Go rounds halves away from zero, not to even
        (47 * 3600, "47 hours"),
        (48 * 3600, "2 days"),
        (13 * 86400, "13 days"),
        (14 * 86400, "2 weeks"),
        (59 * 86400, "8 weeks"),
        (60 * 86400, "2 months"),
        (729 * 86400, "24 months"),
        (730 * 86400, "2 years"),
    ],
)
def test_human_duration_is_go_units(seconds, text) -> None:
    assert human_duration(seconds) == text


def _state(name: str = "p-web-2", service: str = "web"):
    return SimpleNamespace(name=name, service=service)


def _record(labels: dict | None, oneoff: bool = False) -> records.ContainerRecord:
    created = "2024-05-02T12:21:53+00:00"
    return records.ContainerRecord("p-web-2", "web", 2, "busybox", ("sh",), created, oneoff=oneoff, labels=labels)


def test_labels_come_from_the_record_then_the_model_and_print_sorted() -> None:
    service = SimpleNamespace(labels={"role": "now"})
    compose = (
        "com.docker.compose.container-number=2,com.docker.compose.oneoff={},"
        "com.docker.compose.project=p,com.docker.compose.service=web"
    )
    kept = container_labels("p", _state(), _record({"role": "then", "z": "1"}), service)
    assert labels_text(kept) == compose.format("False") + ",role=then,z=1"
    old_record = container_labels("p", _state(), _record(None, oneoff=True), service)
    assert labels_text(old_record) == compose.format("True") + ",role=now"
    orphan = container_labels("p", _state(), None, None)  # no record, service gone from the file
    assert labels_text(orphan) == compose.format("False")


def test_records_keep_labels_and_old_records_load_without_them(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COMPOSER_RUN", str(tmp_path))
    records.save_container("p", _record({"a": "b"}))
    assert records.load_container("p", "p-web-2").labels == {"a": "b"}
    path = records.project_dir("p") / "containers" / "p-web-2.json"
    data = json.loads(path.read_text())
    del data["labels"]
    path.write_text(json.dumps(data))
    old = records.load_container("p", "p-web-2")
    assert old is not None and old.labels is None and old.image == "busybox"
    path.write_text(json.dumps({**data, "labels": ["not", "a", "map"]}))
    assert records.load_container("p", "p-web-2") is None


def _bundle(tmp_path, container: str, mounts: list[dict], indent: int | None = 1) -> HostDirs:
    bundle = tmp_path / "run" / "containers" / container
    bundle.mkdir(parents=True)
    config = {"ociVersion": "1.0.2", "process": {"env": ['X="mounts": []']}, "mounts": mounts, "linux": {"seccomp": {}}}
    (bundle / "config.json").write_text(json.dumps(config, indent=indent))
    data = tmp_path / "data"
    return HostDirs(str(tmp_path / "run" / "containers"), str(data / "volumes"), f"{data}/containers/\0/anonymous")


def _bind(source: str, destination: str) -> dict:
    return {"destination": destination, "type": "bind", "source": source, "options": ["rbind"]}


@pytest.mark.parametrize("indent", [1, None])  # as runc_driver writes it, and any other layout
def test_mount_names_are_volume_names_and_host_paths(tmp_path, indent) -> None:
    from composer.drivers.runc.hostsfiles import MOUNT_POINT
    from composer.runtime.oci_mounts import INIT_TARGET

    data = tmp_path / "data"
    mounts = [
        {"destination": "/proc", "type": "proc", "source": "proc"},
        _bind(f"{data}/volumes/p_db/_data", "/var/lib/db"),
        _bind(f"{data}/containers/p-web-1/anonymous/0123456789abcdef", "/cache"),
        _bind("/srv/conf", "/conf"),
        _bind("/run/composer/projects/p/hosts/p-web-1", MOUNT_POINT),
        _bind("/usr/bin/tini", INIT_TARGET),
        {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"},
    ]
    dirs = _bundle(tmp_path, "p-web-1", mounts, indent)
    assert bundle_mounts(f"{dirs.bundles}/p-web-1/config.json") == mounts
    assert mount_names("p-web-1", dirs) == (2, ["p_db", "0123456789abcdef", "/srv/conf"])


def test_mount_names_of_a_container_without_bundle_are_empty(tmp_path) -> None:
    dirs = _bundle(tmp_path, "p-web-1", [])
    assert mount_names("p-gone-1", dirs) == (0, [])
    (tmp_path / "run" / "containers" / "p-web-1" / "config.json").write_text("{not json")
    assert mount_names("p-web-1", dirs) == (0, [])


def test_networks_of_network_mode_none_or_host_are_named_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("COMPOSER_RUN", str(tmp_path))
    assert network_names("p", "p-a-1", SimpleNamespace(network_mode="none")) == ["none"]
    assert network_names("p", "p-a-1", SimpleNamespace(network_mode="host")) == ["host"]
    assert network_names("p", "p-a-1", SimpleNamespace(network_mode="service:b")) == []
    assert network_names("p", "p-a-1", None) == []


def test_exposed_ports_not_published_are_listed_with_port_zero() -> None:
    service = SimpleNamespace(name="web", expose=("80", "8000-8002", "53/udp", "8001"))
    ports = {"web": [{"URL": "127.0.0.1", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"}]}
    found = exposed_only(service, ports)
    assert [(p["TargetPort"], p["Protocol"]) for p in found] == [(8000, "tcp"), (8001, "tcp"), (8002, "tcp"), (53, "udp")]
    assert all(p["URL"] == "" and p["PublishedPort"] == 0 for p in found)
    assert exposed_only(None, ports) == []


def test_ports_text_shows_published_ports_only() -> None:
    publishers = [
        {"URL": "127.0.0.1", "TargetPort": 80, "PublishedPort": 8080, "Protocol": "tcp"},
        {"URL": "", "TargetPort": 8000, "PublishedPort": 0, "Protocol": "tcp"},
        {"URL": "0.0.0.0", "TargetPort": 53, "PublishedPort": 5353, "Protocol": "udp"},
    ]
    assert ports_text(publishers) == "127.0.0.1:8080->80/tcp, 0.0.0.0:5353->53/udp"
    assert ports_text([]) == ""
