"""The forwarder's config and address parsing: what is accepted, and the one-line errors."""

from __future__ import annotations

import json

import pytest

from netplugins.errors import NetworkError
from netplugins.forwarder.addresses import Endpoint, parse_endpoint
from netplugins.forwarder.api import write_config
from netplugins.forwarder.config import AmbassadorConfig, ForwarderConfigError, load_config, parse_config


def config_with(**fields) -> dict:
    amb = {"name": "db", "listen": "tcp://:5432", "target": "tcp://10.0.0.5:5432", **fields}
    return {"ambassadors": [{k: v for k, v in amb.items() if v is not None}]}


@pytest.mark.parametrize(
    ("text", "listen", "expected"),
    [
        ("tcp://:5432", True, Endpoint("tcp", "", 5432)),
        ("tcp://0.0.0.0:80", True, Endpoint("tcp", "0.0.0.0", 80)),
        ("udp://10.0.0.5:53", False, Endpoint("udp", "10.0.0.5", 53)),
        ("tcp://[fd00::5]:5432", False, Endpoint("tcp", "fd00::5", 5432)),
        ("unix:///var/run/docker.sock", False, Endpoint("unix", path="/var/run/docker.sock")),
    ],
    ids=["any-host", "ipv4", "udp", "ipv6", "unix"],
)
def test_addresses_that_parse(text, listen, expected):
    endpoint = parse_endpoint(text, listen=listen)
    assert endpoint == expected
    assert parse_endpoint(str(endpoint), listen=listen) == endpoint


def test_sockaddrs():
    assert parse_endpoint("tcp://:80", listen=True).sockaddr == ("0.0.0.0", 80)
    assert parse_endpoint("tcp://[::1]:80", listen=False).sockaddr == ("::1", 80, 0, 0)
    assert parse_endpoint("unix:///x.sock", listen=False).sockaddr == "/x.sock"


@pytest.mark.parametrize(
    ("text", "listen", "message"),
    [
        ("http://a:80", True, "'http://a:80' is not an address; use tcp://[addr]:port, udp://[addr]:port or unix:///path"),
        ("tcp://db:5432", False, "'tcp://db:5432': 'db' is not an IP address (the forwarder does not resolve names)"),
        ("tcp://10.0.0.5", False, "'tcp://10.0.0.5': no port; write addr:port"),
        ("tcp://10.0.0.5:99999", False, "'tcp://10.0.0.5:99999': port '99999' is not a number from 1 to 65535"),
        ("tcp://fd00::5:53", False, "'tcp://fd00::5:53': write an IPv6 address as [addr]:port"),
        ("tcp://:5432", False, "'tcp://:5432': a target needs an IP address (only a listen address may leave it empty)"),
        ("unix://run/x.sock", True, "'unix://run/x.sock': a unix socket path must be absolute (unix:///path)"),
    ],
    ids=["scheme", "name", "no-port", "big-port", "bare-ipv6", "target-without-host", "relative-unix"],
)
def test_addresses_that_do_not_parse(text, listen, message):
    with pytest.raises(ValueError) as info:
        parse_endpoint(text, listen=listen)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "f.json: the config must be a JSON object with an 'ambassadors' list"),
        ({"ambassadors": {}}, "f.json: ambassadors: must be a list"),
        ({"ambassadors": [], "colour": 1}, "f.json: colour: unknown key; known keys: ambassadors, pipe_size, shutdown_grace, stats, stats_interval"),
        (config_with(name=""), "f.json: ambassadors[0].name: must be a non-empty string"),
        (config_with(listen="tcp://:0"), "f.json: ambassadors[0].listen: 'tcp://:0': port '0' is not a number from 1 to 65535"),
        (config_with(target=[]), "f.json: ambassadors[0].target: must be an address or a non-empty list of them"),
        (config_with(target=["tcp://10.0.0.5:1", "udp://10.0.0.5:1"]), "f.json: ambassadors[0].target[1]: a tcp listener forwards to tcp or unix targets, not udp"),
        (config_with(targets_file="/run/t.json"), "f.json: ambassadors[0]: needs exactly one of 'target' and 'targets_file'"),
        (config_with(target=None, targets_file="t.json"), "f.json: ambassadors[0].targets_file: must be an absolute path"),
        (config_with(retry="30s"), "f.json: ambassadors[0].retry: must be a number of seconds >= 0, got '30s'"),
        (config_with(connect_timeout=0), "f.json: ambassadors[0].connect_timeout: must be a number of seconds > 0, got 0"),
        (config_with(balance="random"), "f.json: ambassadors[0].balance: must be one of round-robin, least-connections, got 'random'"),
        (config_with(max_connections=True), "f.json: ambassadors[0].max_connections: must be a whole number from 1 to 1073741824, got True"),
        (config_with(socket_mode="0660"), "f.json: ambassadors[0].socket_mode: only applies to a unix:// listen address"),
        (config_with(listen="unix:///a.sock", socket_mode=660), "f.json: ambassadors[0].socket_mode: must be an octal mode string like \"0660\", got 660"),
        (config_with(retries=3), "f.json: ambassadors[0].retries: unknown key; known keys: balance, connect_timeout, fast_path, idle_timeout, listen, max_connections, name, retry, socket_mode, target, targets_file, udp_max_sessions, udp_session_timeout"),
        ({"ambassadors": config_with()["ambassadors"] * 2}, "f.json: ambassadors[1].name: 'db' is used twice"),
        ({"ambassadors": [], "pipe_size": 100}, "f.json: pipe_size: must be a whole number from 4096 to 1048576, got 100"),
    ],
    ids=[
        "not-object", "not-list", "unknown-top-key", "empty-name", "port-zero", "empty-target", "mixed-targets",
        "target-and-file", "relative-file", "duration-string", "zero-timeout", "balance", "bool-int", "mode-on-tcp",
        "mode-not-string", "unknown-key", "duplicate", "pipe-size",
    ],
)
def test_bad_configs_say_where_and_what(data, message):
    with pytest.raises(ForwarderConfigError) as info:
        parse_config(data, "f.json")
    assert info.value.one_line() == message
    assert isinstance(info.value, NetworkError)


def test_defaults_and_a_full_round_trip(tmp_path):
    amb = AmbassadorConfig(
        name="docker", listen=parse_endpoint("unix:///run/a.sock", listen=True),
        target=(parse_endpoint("unix:///var/run/docker.sock", listen=False),), socket_mode=0o660,
        retry=30.0, balance="least-connections", idle_timeout=600.0,
    )
    path = str(tmp_path / "f.json")
    written = write_config(path, [amb], stats="/run/s.json", pipe_size=65536)
    assert load_config(path) == written
    assert json.loads((tmp_path / "f.json").read_text())["ambassadors"][0]["socket_mode"] == "0660"
    default = parse_config(config_with()).ambassadors[0]
    assert (default.retry, default.connect_timeout, default.balance, default.idle_timeout) == (0.0, 5.0, "round-robin", 0.0)


def test_write_config_refuses_what_the_forwarder_would(tmp_path):
    amb = AmbassadorConfig(name="x", listen=parse_endpoint("tcp://:1", listen=True))  # no target
    with pytest.raises(ForwarderConfigError, match=r"ambassadors\[0\].target: must be an address or a non-empty list"):
        write_config(str(tmp_path / "f.json"), [amb])
    assert not (tmp_path / "f.json").exists()


def test_unreadable_files_are_one_line_errors(tmp_path):
    with pytest.raises(ForwarderConfigError, match="cannot read forwarder config: No such file or directory"):
        load_config(str(tmp_path / "missing.json"))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ForwarderConfigError, match="bad.json: not valid JSON"):
        load_config(str(tmp_path / "bad.json"))
