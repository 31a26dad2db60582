"""Target choice (pure): health tiers, round-robin, least-connections; targets files; log limits."""

from __future__ import annotations

import io

import pytest

from netplugins.forwarder.addresses import Endpoint
from netplugins.forwarder.config import ForwarderConfigError
from netplugins.forwarder.stats import EventLog
from netplugins.forwarder.targets import TargetPool, parse_targets


def pool(count: int = 3, balance: str = "round-robin") -> TargetPool:
    static = [Endpoint("tcp", "10.0.0.%d" % (i + 1), 80) for i in range(count)]
    return TargetPool("amb", EventLog(io.StringIO()), balance, static)


def hosts(targets) -> list[str]:
    return [t.endpoint.host[-1] for t in targets]


def test_round_robin_takes_turns():
    p = pool()
    assert sorted(hosts(p.pick() for _ in range(30))) == sorted(["1", "2", "3"] * 10)


def test_tried_targets_are_skipped_and_none_is_left_at_the_end():
    p = pool()
    tried = []
    for _ in range(3):
        tried.append(p.pick(tried))
    assert sorted(hosts(tried)) == ["1", "2", "3"]
    assert p.pick(tried) is None


def test_healthy_and_up_come_first():
    p = pool()
    a, b, c = p.targets
    a.healthy = False
    p.mark_down(b, "refused")
    assert {p.pick() for _ in range(6)} == {c}  # healthy and not down
    assert p.pick([c]) is b  # healthy but down beats unhealthy
    assert p.pick([b, c]) is a  # unhealthy is better than nothing


def test_least_connections_prefers_the_idlest():
    p = pool(balance="least-connections")
    a, b, c = p.targets
    a.active, b.active, c.active = 2, 0, 1
    assert {p.pick() for _ in range(4)} == {b}
    b.active = 1
    assert {p.pick() for _ in range(6)} == {b, c}


def test_up_and_down_are_logged_once_per_change():
    log = io.StringIO()
    p = TargetPool("db", EventLog(log), "round-robin", [Endpoint("tcp", "10.0.0.1", 80)])
    target = p.targets[0]
    p.mark_up(target)
    p.mark_down(target, "Connection refused")
    p.mark_down(target, "Connection refused")
    p.mark_up(target)
    lines = [line.split(" ", 1)[1] for line in log.getvalue().splitlines()]
    assert lines == [
        "ambassador db: target tcp://10.0.0.1:80 down: Connection refused",
        "ambassador db: connect to tcp://10.0.0.1:80 failed: Connection refused",
        "ambassador db: target tcp://10.0.0.1:80 up",
    ]
    assert (target.up, target.last_error) == (True, "Connection refused")


def test_repeats_of_a_kind_are_rate_limited_and_counted():
    now = [0.0]
    out = io.StringIO()
    log = EventLog(out, clock=lambda: now[0])
    for _ in range(5):
        log.event("db", "connect failed", kind="k")
    now[0] = 10.0
    log.event("db", "connect failed", kind="k")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[1].endswith("connect failed (4 similar suppressed)")


def test_targets_files_parse():
    data = [{"addr": "10.0.0.5", "port": 5432, "healthy": True}, {"addr": "fd00::6", "port": 5432}]
    assert parse_targets(data, "t.json", "tcp") == [
        (Endpoint("tcp", "10.0.0.5", 5432), True), (Endpoint("tcp", "fd00::6", 5432), True),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "t.json: a targets file must be a JSON list of {addr, port, healthy}"),
        ([{"port": 1}], "t.json: [0]: needs \"addr\" (an IP address) and \"port\""),
        ([{"addr": "db", "port": 1}], "t.json: [0]: 'db' is not an IP address (the forwarder does not resolve names)"),
        ([{"addr": "10.0.0.1", "port": "80"}], "t.json: [0]: needs an IP address and a numeric port, got '10.0.0.1', '80'"),
        ([{"addr": "10.0.0.1", "port": 80, "healthy": "yes"}], "t.json: [0].healthy: must be true or false"),
    ],
    ids=["not-list", "no-addr", "name", "port-string", "healthy-string"],
)
def test_bad_targets_files(data, message):
    with pytest.raises(ForwarderConfigError) as info:
        parse_targets(data, "t.json", "tcp")
    assert info.value.one_line() == message


def test_a_targets_file_is_reread_only_when_it_changes(tmp_path):
    from netplugins.forwarder.api import write_targets

    path = tmp_path / "t.json"
    out = io.StringIO()
    p = TargetPool("svc", EventLog(out), "round-robin", targets_file=str(path))
    p.refresh()
    assert p.targets == []
    write_targets(str(path), [("10.0.0.1", 80, True), ("10.0.0.2", 80, False)])
    p.refresh()
    first = p.targets[0]
    p.refresh()
    assert hosts(p.targets) == ["1", "2"] and out.getvalue().count("targets now") == 1
    write_targets(str(path), [("10.0.0.1", 80, False)])
    p.refresh()
    assert p.targets == [first] and first.healthy is False  # same target object: its counters live on
    path.write_text("[{")
    p.refresh()
    assert p.targets == [first] and "keeping the previous 1 targets" in out.getvalue()
    path.unlink()
    p.refresh()
    assert p.targets == []
