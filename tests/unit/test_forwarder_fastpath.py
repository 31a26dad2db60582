"""The kernel fast path's pure parts: which ambassadors it may serve, and the nft script."""

import pytest

from netplugins.forwarder.addresses import parse_endpoint
from netplugins.forwarder.config import AmbassadorConfig, ForwarderConfigError, parse_config
from netplugins.forwarder.fastpath import TABLE, kernel_refusal, ruleset


def amb(listen="tcp://0.0.0.0:8000", target=("tcp://10.0.0.5:80",), **options):
    targets = tuple(parse_endpoint(t, listen=False) for t in target)
    return AmbassadorConfig("db", parse_endpoint(listen, listen=True), targets, fast_path=options.pop("fast_path", "auto"), **options)


@pytest.mark.parametrize("config, reason", [
    (amb(), ""),
    (amb(listen="udp://:53", target=("udp://10.0.0.5:53",)), ""),
    (amb(fast_path="off"), "fast_path: off"),
    (amb(target=("unix:///run/x.sock",)), "unix sockets"),
    (amb(balance="least-connections"), "balance: least-connections"),
    (amb(listen="tcp://[::]:80"), "IPv6 listen address"),
])
def test_which_ambassadors_the_kernel_serves(config, reason):
    assert kernel_refusal(config) == reason


def test_one_target_is_a_plain_dnat_and_several_a_round_robin_map():
    listen = parse_endpoint("tcp://0.0.0.0:8000", listen=True)
    one = ruleset([("db", listen, [("10.0.0.5", 80)])])
    assert f"add rule {TABLE} pre fib daddr type local tcp dport 8000 counter name conn-db dnat to 10.0.0.5:80" in one
    two = ruleset([("db", listen, [("10.0.0.5", 80), ("10.0.0.6", 81)])])
    assert any(line.endswith("dnat to numgen inc mod 2 map { 0 : 10.0.0.5 . 80, 1 : 10.0.0.6 . 81 }") for line in two)
    assert f"add rule {TABLE} post ct status dnat masquerade" in two


def test_no_target_keeps_the_counters_and_drops_the_rule():
    lines = ruleset([("db", parse_endpoint("udp://10.1.2.3:53", listen=True), [])])
    assert f"add counter {TABLE} conn-db" in lines
    assert not any("dnat to" in line for line in lines)
    assert [line for line in lines if line.startswith("flush chain")] == [f"flush chain {TABLE} {c}" for c in ("pre", "post", "through")]


def test_a_specific_listen_address_is_matched():
    lines = ruleset([("dns", parse_endpoint("udp://10.1.2.3:53", listen=True), [("10.0.0.5", 53)])])
    assert any("pre ip daddr 10.1.2.3 udp dport 53 counter name conn-dns dnat to 10.0.0.5:53" in line for line in lines)


def test_fast_path_is_validated_in_the_forwarder_config():
    raw = {"ambassadors": [{"name": "db", "listen": "tcp://:80", "target": "tcp://10.0.0.5:80", "fast_path": "on"}]}
    with pytest.raises(ForwarderConfigError, match=r"ambassadors\[0\].fast_path: must be one of auto, off, got 'on'"):
        parse_config(raw, "c.json")
    raw["ambassadors"][0]["fast_path"] = "auto"
    assert parse_config(raw).ambassadors[0].fast_path == "auto"


def test_only_dnat_traffic_is_forwarded_so_an_ambassador_is_no_router():
    lines = ruleset([("db", parse_endpoint("tcp://:80", listen=True), [])])
    assert lines[-3:] == [f"add rule {TABLE} through ct status dnat accept", f"add rule {TABLE} through ct state related accept",
                          f"add rule {TABLE} through counter drop"]
