"""Pure parts of netplugins: names, the result record, errors, the driver registry."""

from __future__ import annotations

import subprocess
import sys

import pytest

from netplugins.errors import NetworkError
from netplugins import AttachResult, Attachment, ErrorCode, NetworkConfig, PluginError, Route, driver_names, plugin_for
from netplugins.api import AttachmentKey
from netplugins.bridge import bridge_for
from netplugins.names import bridge_alias, bridge_name, is_valid_ifname, key_of_alias, parse_alias, veth_alias, veth_name


def test_names_fit_ifnamsiz_and_are_stable():
    key = AttachmentKey("proj_default", "proj-web-1", "eth0")
    assert len(bridge_name("proj", "default")) == 13 and bridge_name("proj", "default").startswith("cb-")
    assert len(veth_name(key)) == 13 and veth_name(key).startswith("cv")
    assert bridge_name("proj", "default") == bridge_name("proj", "default")
    assert veth_name(key) == veth_name(AttachmentKey("proj_default", "proj-web-1", "eth0"))


def test_names_differ_by_project_network_and_interface():
    assert bridge_name("a", "default") != bridge_name("b", "default")
    assert bridge_name("a", "front") != bridge_name("a", "back")
    base = AttachmentKey("n", "c", "eth0")
    assert len({veth_name(base), veth_name(base._replace(ifname="eth1")), veth_name(base._replace(container_id="d"))}) == 3


def test_no_ambiguity_from_joining_parts():
    assert bridge_name("ab", "c") != bridge_name("a", "bc")


def test_aliases_round_trip():
    assert parse_alias(bridge_alias("proj", "proj_default")) == ("proj", "proj_default")
    assert parse_alias("something else") is None and parse_alias(None) is None
    key = AttachmentKey("n", "c", "eth0")
    assert veth_alias("proj", key) == "composer proj n/c/eth0"
    assert key_of_alias(veth_alias("proj", key)) == ("proj", key)
    assert key_of_alias(bridge_alias("proj", "n")) is None


@pytest.mark.parametrize("name, ok", [("eth0", True), ("a" * 15, True), ("a" * 16, False), ("a/b", False), ("", False), ("a b", False)])
def test_ifname_rules(name, ok):
    assert is_valid_ifname(name) is ok


def test_bridge_for_external_and_custom_name():
    assert bridge_for(NetworkConfig("br-lan", "p", "lan", external=True)) == "br-lan"
    assert bridge_for(NetworkConfig("p_x", "p", "x", driver_opts={"com.docker.network.bridge.name": "mybr"})) == "mybr"
    assert bridge_for(NetworkConfig("p_x", "p", "x")) == bridge_name("p", "x")


def test_attach_result_round_trips_through_dict():
    result = AttachResult("p_default", "eth0", "cv123", "aa:bb:cc:dd:ee:ff", "10.0.0.2", 24, "10.0.0.1",
                          (Route("0.0.0.0/0", "10.0.0.1"),), ("10.0.0.1",))
    assert AttachResult.from_dict(result.to_dict()) == result


def test_attachment_key():
    att = Attachment("c1", "/run/netns/c1", "eth0", "p_default")
    assert att.key == ("p_default", "c1", "eth0") and str(att.key) == "p_default/c1/eth0"


def test_plugin_error_is_a_network_error_with_code():
    err = PluginError(ErrorCode.ADDRESS_IN_USE, "network n: 10.0.0.2 is already used by c1", "pick another", "raw")
    assert isinstance(err, NetworkError) and err.code == 101 and err.details == "raw"
    assert err.one_line() == "network n: 10.0.0.2 is already used by c1; pick another"


def test_unknown_driver_lists_choices():
    with pytest.raises(PluginError) as err:
        plugin_for("overlay")
    assert err.value.code == ErrorCode.UNKNOWN_DRIVER
    assert err.value.one_line() == "unknown network driver 'overlay'; use one of: bridge, host, none"
    assert driver_names() == ["bridge", "host", "none"]


def test_known_drivers(tmp_path, monkeypatch):
    monkeypatch.setenv("COMPOSER_ROOT", str(tmp_path))
    assert type(plugin_for(None)).__name__ == "BridgePlugin"
    assert plugin_for("bridge").ipam.root == tmp_path / "ipam"
    assert [type(plugin_for(d)).__name__ for d in ("host", "none")] == ["HostPlugin", "NonePlugin"]


@pytest.mark.parametrize("cfg, fragment", [
    (NetworkConfig("p_x", "p", "x", driver_opts={"com.docker.network.bridge.enable_icc": "false"}),
     "driver_opts com.docker.network.bridge.enable_icc not supported by the bridge driver"),
    (NetworkConfig("p_x", "p", "x", mtu=20), "mtu 20 is not between 68 and 65535"),
    (NetworkConfig("p_x", "p", "x", driver_opts={"com.docker.network.bridge.name": "much-too-long-name"}), "cannot name a bridge"),
], ids=["unknown-opt", "bad-mtu", "long-bridge-name"])
def test_bad_bridge_config_is_refused_before_touching_anything(cfg, fragment, tmp_path):
    from netplugins.bridge import BridgePlugin

    with pytest.raises(PluginError, match=fragment):
        BridgePlugin(tmp_path).ensure_network(cfg)
    assert not any(tmp_path.iterdir())


def test_importing_netplugins_does_not_import_pyroute2():
    code = "import sys, netplugins, netplugins.bridge, netplugins.netns; print('pyroute2' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
