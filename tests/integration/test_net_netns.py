"""Named network namespaces, and the none/host drivers (root)."""

from __future__ import annotations

import pytest

from netplugins import AttachResult, Attachment, ErrorCode, NetworkConfig, PluginError, plugin_for
from netplugins import netns

from test_net_support import lab, ns_exec, run  # noqa: F401  (fixtures)

pytestmark = pytest.mark.needs_root


def test_create_is_idempotent_with_loopback_up(lab):
    name, path = lab.netns("one")
    assert netns.create(name) == netns.netns_path(name) and str(netns.netns_path(name)) == path
    assert netns.exists(name)
    assert "UP" in ns_exec(name, "ip", "link", "show", "lo").stdout
    assert ns_exec(name, "/bin/busybox", "ping", "-c1", "-W1", "127.0.0.1").returncode == 0


def test_delete_is_idempotent(lab):
    name, _ = lab.netns("one")
    assert netns.delete(name) is True
    assert netns.delete(name) is False
    assert not netns.exists(name) and name not in netns.list_names(lab.project)


def test_create_finishes_a_half_made_entry(lab):
    name = f"{lab.project}-half"
    lab.namespaces.append(name)
    netns.NETNS_DIR.mkdir(exist_ok=True)
    netns.netns_path(name).touch()  # a crash between the file and its mount
    assert not netns.exists(name)
    netns.create(name)
    assert netns.exists(name)


def test_bad_name():
    with pytest.raises(PluginError, match="'../x' cannot name a network namespace"):
        netns.netns_path("../x")


def test_none_driver_brings_loopback_up(lab):
    name, path = lab.netns("one")
    run("ip", "-n", name, "link", "set", "lo", "down")
    cfg = NetworkConfig("none", lab.project, "none", driver="none")
    att = Attachment(name, path, "lo", "none")
    plugin = plugin_for("none")
    with pytest.raises(PluginError, match="loopback is down") as err:
        plugin.check(cfg, att, AttachResult("none", "lo"))
    assert err.value.code == ErrorCode.DRIFT
    result = plugin.add(cfg, att)
    assert result.ifname == "lo" and "UP" in ns_exec(name, "ip", "link", "show", "lo").stdout
    plugin.check(cfg, att, result)
    plugin.delete(cfg, att, result)


def test_host_driver_has_nothing_to_do():
    plugin = plugin_for("host")
    cfg = NetworkConfig("host", "p", "host", driver="host")
    att = Attachment("c", "/proc/1/ns/net", "", "host")
    assert plugin.ensure_network(cfg).bridge is None
    result = plugin.add(cfg, att)
    assert result.ifname == "" and result.ipv4 is None
    plugin.check(cfg, att, result)
    plugin.delete(cfg, att, None)
    plugin.remove_network(cfg)
    assert plugin.gc(cfg, []) == [] and plugin.gc_networks("p", []) == []
