"""The bridge plugin on real bridges, veths, namespaces and nftables (root)."""

from __future__ import annotations

import dataclasses
import secrets

import pytest

from netplugins import ErrorCode, IpamPool, PluginError
from netplugins import firewall, forward_accept, netns
from netplugins.bridge import BridgePlugin
from netplugins.netlink import open_netlink

from test_net_support import can_ping, lab, ns_exec, outside, run, wait_until  # noqa: F401  (fixtures)

pytestmark = pytest.mark.needs_root


def link_exists(name: str) -> bool:
    with open_netlink() as host:
        return host.link(name) is not None


def test_two_containers_on_one_bridge_reach_each_other(lab):
    net = lab.network("default")
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    _, first = lab.attach(net, one)
    _, second = lab.attach(net, two)
    assert first.ipv4 != second.ipv4 and first.gateway == second.gateway
    assert first.routes[0].dst == "0.0.0.0/0"
    assert can_ping(one, second.ipv4) and can_ping(two, first.ipv4)
    assert can_ping(one, first.gateway)


def test_ensure_network_is_idempotent_and_marks_its_bridge(lab):
    net = lab.network("default")
    first = lab.plugin.ensure_network(net)
    assert lab.plugin.ensure_network(net) == first
    with open_netlink() as host:
        bridge = host.link(first.bridge)
        assert bridge.kind == "bridge" and bridge.up and bridge.alias == f"composer {lab.project} {net.name}"
        assert [str(a) for a in host.addresses(first.bridge)] == [f"{first.gateway}/24"]


def test_two_networks_are_isolated(lab):
    front, back = lab.network("front"), lab.network("back")
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    _, on_front = lab.attach(front, one)
    _, on_back = lab.attach(back, two)
    assert can_ping(one, on_front.gateway)  # routing works; only the other bridge is closed
    assert not can_ping(one, on_back.ipv4)
    assert not can_ping(two, on_front.ipv4)


def test_two_projects_same_key_get_their_own_bridge_and_subnet(lab):
    mine = lab.network("default")
    theirs = lab.network("default", project=f"nu{lab.token}")
    a, b = lab.plugin.ensure_network(mine), lab.plugin.ensure_network(theirs)
    assert a.bridge != b.bridge and a.subnet != b.subnet
    assert link_exists(a.bridge) and link_exists(b.bridge)


def test_static_address(lab):
    subnet = f"10.214.{secrets.randbelow(250)}.0/24"
    net = lab.network("static", ipam=(IpamPool(subnet=subnet),))
    prefix = subnet.rsplit(".", 1)[0]
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    _, result = lab.attach(net, one, ipv4=f"{prefix}.50")
    assert (result.ipv4, result.prefixlen, result.gateway) == (f"{prefix}.50", 24, f"{prefix}.1")
    assert f"{prefix}.50/24" in ns_exec(one, "ip", "-4", "addr", "show", "eth0").stdout
    with pytest.raises(PluginError, match=f"{prefix}.50 is already used by {one}") as err:
        lab.attach(net, two, ipv4=f"{prefix}.50")
    assert err.value.code == ErrorCode.ADDRESS_IN_USE
    with pytest.raises(PluginError, match="is not a free host address") as err:
        lab.attach(net, two, ipv4="192.0.2.77")
    assert err.value.code == ErrorCode.ADDRESS_OUT_OF_RANGE
    assert "eth0" not in ns_exec(two, "ip", "link").stdout  # nothing made for the refused ones


def test_add_twice_returns_the_same_result(lab):
    net = lab.network("default")
    ns, _ = lab.netns("one")
    att, first = lab.attach(net, ns)
    assert lab.plugin.add(net, att) == first
    with pytest.raises(PluginError, match="already holds"):
        lab.plugin.add(net, dataclasses.replace(att, ipv4="10.213.255.254"))


def test_second_interface_on_another_network(lab):
    front, back = lab.network("front"), lab.network("back")
    ns, _ = lab.netns("one")
    _, on_front = lab.attach(front, ns, "eth0")
    _, on_back = lab.attach(back, ns, "eth1", primary=False)
    assert on_back.routes == () and on_front.routes
    links = ns_exec(ns, "ip", "-o", "link").stdout
    assert "eth0" in links and "eth1" in links
    assert f"default via {on_front.gateway}" in ns_exec(ns, "ip", "route").stdout


def test_delete_twice(lab):
    net = lab.network("default")
    ns, _ = lab.netns("one")
    att, result = lab.attach(net, ns)
    lab.plugin.delete(net, att, result)
    lab.plugin.delete(net, att, result)
    lab.plugin.delete(net, att, None)
    assert not link_exists(result.host_ifname)
    assert lab.plugin.ipam.leases(net.name) == {}
    assert "eth0" not in ns_exec(ns, "ip", "link").stdout


def test_delete_after_the_netns_is_gone_releases_lease_and_veth(lab):
    net = lab.network("default")
    ns, _ = lab.netns("one")
    att, result = lab.attach(net, ns)
    netns.delete(ns)  # the container died and its netns went with it
    lab.plugin.delete(net, att, None)
    assert lab.plugin.ipam.leases(net.name) == {}
    assert wait_until(lambda: not link_exists(result.host_ifname))
    lab.plugin.remove_network(net)


def test_gc_after_kill_9_removes_everything_not_valid(lab):
    net = lab.network("default")
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    keep, kept = lab.attach(net, one)
    _, lost = lab.attach(net, two)
    fresh = BridgePlugin(lab.root / "ipam")  # a new process: no memory of the adds
    removed = fresh.gc(net, [keep.key])
    assert sorted(r.split()[0] for r in removed) == ["lease", "veth"]
    assert not link_exists(lost.host_ifname) and link_exists(kept.host_ifname)
    assert can_ping(one, kept.gateway)
    fresh.gc(net, [])
    assert not link_exists(kept.host_ifname) and fresh.ipam.leases(net.name) == {}
    fresh.remove_network(net)
    assert fresh.gc(net, []) == []


def test_check_detects_drift(lab):
    net = lab.network("default")
    ns, _ = lab.netns("one")
    att, result = lab.attach(net, ns)
    lab.plugin.check(net, att, result)
    run("ip", "-n", ns, "addr", "flush", "dev", "eth0")
    with pytest.raises(PluginError, match=f"eth0 lacks {result.ipv4}/24") as err:
        lab.plugin.check(net, att, result)
    assert err.value.code == ErrorCode.DRIFT
    run("ip", "link", "del", result.host_ifname)
    with pytest.raises(PluginError, match=f"host veth {result.host_ifname} is missing; eth0 is missing"):
        lab.plugin.check(net, att, result)


def test_add_undoes_its_steps_on_failure(lab):
    net = lab.network("default")
    ns, _ = lab.netns("one")
    run("ip", "-n", ns, "link", "add", "eth0", "type", "bridge")
    with pytest.raises(PluginError, match="its netns already has an interface eth0") as err:
        lab.attach(net, ns)
    assert err.value.code == ErrorCode.LINK_CONFLICT
    assert lab.plugin.ipam.leases(net.name) == {}
    with open_netlink() as host:
        assert not [link for link in host.links() if lab.project in (link.alias or "") and link.kind == "veth"]


def test_add_undoes_the_veth_and_lease_when_a_later_step_fails(lab):
    front, back = lab.network("front"), lab.network("back")
    ns, _ = lab.netns("one")
    lab.attach(front, ns, "eth0")
    with pytest.raises(PluginError, match="already routes by default via") as err:
        lab.attach(back, ns, "eth1")  # a second primary network: its default route clashes
    assert err.value.code == ErrorCode.LINK_CONFLICT
    assert lab.plugin.ipam.leases(back.name) == {}
    assert "eth1" not in ns_exec(ns, "ip", "link").stdout
    with open_netlink() as host:
        assert [link for link in host.links() if f"{back.name}/" in (link.alias or "")] == []


def test_add_to_a_missing_netns_holds_nothing(lab):
    net = lab.network("default")
    with pytest.raises(PluginError, match=f"network namespace /run/netns/{lab.project}-ghost does not exist") as err:
        lab.attach(net, f"{lab.project}-ghost")
    assert err.value.code == ErrorCode.UNKNOWN_CONTAINER
    assert lab.plugin.ipam.leases(net.name) == {}


def test_remove_network_refuses_while_attached_and_tolerates_gone(lab):
    net = lab.network("default")
    ns, _ = lab.netns("one")
    att, result = lab.attach(net, ns)
    with pytest.raises(PluginError) as err:
        lab.plugin.remove_network(net)
    assert err.value.code == ErrorCode.NETWORK_IN_USE
    assert err.value.one_line() == f"network {net.name} still has attachments: {ns}/eth0; stop and remove those containers first"
    lab.plugin.delete(net, att, result)
    bridge = lab.plugin.ensure_network(net).bridge
    lab.plugin.remove_network(net)
    lab.plugin.remove_network(net)
    assert not link_exists(bridge) and firewall.rules_of(bridge) == ""


def test_masquerade_only_for_non_internal(lab):
    public, internal = lab.network("public"), lab.network("hidden", internal=True)
    public_state, internal_state = lab.plugin.ensure_network(public), lab.plugin.ensure_network(internal)
    rules = firewall.rules_of(public_state.bridge)
    assert f"ip saddr {public_state.subnet} oifname != \"{public_state.bridge}\" masquerade" in rules
    hidden = firewall.rules_of(internal_state.bridge)
    assert "masquerade" not in hidden
    assert f'iifname "{internal_state.bridge}" oifname != "{internal_state.bridge}" drop' in hidden
    assert open("/proc/sys/net/ipv4/ip_forward").read().strip() == "1"


def test_outbound_goes_out_masqueraded(lab, outside):
    net = lab.network("public")
    ns, _ = lab.netns("one")
    lab.attach(net, ns)
    assert can_ping(ns, outside.address)  # the outside netns has no route back: only NAT makes this work


def test_internal_network_cannot_reach_outside(lab, outside):
    net = lab.network("hidden", internal=True)
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    _, first = lab.attach(net, one)
    _, second = lab.attach(net, two)
    assert first.routes == ()
    assert "default" not in ns_exec(one, "ip", "route").stdout
    assert can_ping(one, second.ipv4)  # inside the network all is open
    assert not can_ping(one, outside.address)
    # even with a route out in the container and a route back outside, the firewall says no
    run("ip", "-n", one, "route", "add", "default", "via", first.gateway)
    outside.route_back(lab.plugin.ensure_network(net).subnet)
    assert not can_ping(one, outside.address)


def test_mtu(lab):
    net = lab.network("small", mtu=1400)
    ns, _ = lab.netns("one")
    _, result = lab.attach(net, ns)
    assert "mtu 1400" in ns_exec(ns, "ip", "link", "show", "eth0").stdout
    assert "mtu 1400" in run("ip", "link", "show", result.host_ifname).stdout


def test_external_network_joins_an_existing_bridge_and_leaves_it(lab):
    bridge = lab.helper_link(f"ntx{lab.token}")
    third = secrets.randbelow(250) + 1
    run("ip", "link", "add", bridge, "type", "bridge")
    run("ip", "addr", "add", f"198.19.{third}.1/24", "dev", bridge)
    run("ip", "link", "set", bridge, "up")
    net = dataclasses.replace(lab.config("ignored", external=True), name=bridge)
    lab.networks[-1] = net
    state = lab.plugin.ensure_network(net)
    assert (state.bridge, state.subnet, state.gateway) == (bridge, f"198.19.{third}.0/24", f"198.19.{third}.1")
    ns, _ = lab.netns("one")
    att, result = lab.attach(net, ns)
    assert can_ping(ns, state.gateway)
    lab.plugin.delete(net, att, result)
    lab.plugin.remove_network(net)
    assert link_exists(bridge) and firewall.rules_of(bridge) == ""


def test_external_network_shared_by_two_projects(lab):
    bridge = lab.helper_link(f"ntx{lab.token}")
    third = secrets.randbelow(250) + 1
    run("ip", "link", "add", bridge, "type", "bridge")
    run("ip", "addr", "add", f"198.19.{third}.1/24", "dev", bridge)
    run("ip", "link", "set", bridge, "up")
    mine = dataclasses.replace(lab.config("shared", external=True), name=bridge)
    theirs = dataclasses.replace(mine, project=f"nu{lab.token}")
    lab.networks[-1:] = [mine, theirs]
    lab.plugin.ensure_network(mine), lab.plugin.ensure_network(theirs)
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    lab.attach(mine, one)
    _, their_result = lab.attach(theirs, two)
    assert [r.split()[0] for r in lab.plugin.gc(mine, [])] == ["veth", "lease"]  # only my project's
    assert link_exists(their_result.host_ifname) and can_ping(two, f"198.19.{third}.1")
    lab.plugin.remove_network(mine)  # they still use it: nothing happens, no error
    assert lab.plugin.ipam.subnet(bridge) is not None and link_exists(bridge)


def test_external_network_without_bridge(lab):
    net = lab.config("x", external=True)
    with pytest.raises(PluginError, match=f"external network {net.name}: there is no bridge named {net.name}"):
        lab.plugin.ensure_network(net)


def test_gc_networks_removes_the_projects_orphans(lab):
    keep, old = lab.network("keep"), lab.network("old")
    ns, _ = lab.netns("one")
    _, result = lab.attach(old, ns)
    old_bridge = lab.plugin.ensure_network(old).bridge
    assert lab.plugin.gc_networks(lab.project, [keep.name]) == [old.name]
    assert not link_exists(old_bridge) and not link_exists(result.host_ifname)
    assert firewall.rules_of(old_bridge) == "" and lab.plugin.ipam.subnet(old.name) is None
    assert link_exists(lab.plugin.ensure_network(keep).bridge)


def test_a_foreign_link_with_our_bridge_name_is_refused(lab):
    net = lab.config("clash", driver_opts={"com.docker.network.bridge.name": f"nty{lab.token}"})
    run("ip", "link", "add", lab.helper_link(f"nty{lab.token}"), "type", "bridge")
    with pytest.raises(PluginError, match=f"link nty{lab.token} already exists and belongs to None") as err:
        lab.plugin.ensure_network(net)
    assert err.value.code == ErrorCode.LINK_CONFLICT
    assert lab.plugin.ipam.subnet(net.name) is None  # the subnet it took is given back


def _saved_filter(command: str) -> str:
    return run(command, "-t", "filter").stdout


def test_forward_accept_rules_follow_the_network_in_each_filtering_backend(lab):
    """Accepts go to the default iptables backend, and to legacy too when its FORWARD drops."""
    before = run("iptables-legacy", "-S", "FORWARD").stdout.splitlines()[0].split()[2]
    run("iptables-legacy", "-P", "FORWARD", "DROP")
    try:
        public, internal = lab.network("public"), lab.network("hidden", internal=True)
        bridge, hidden = (lab.plugin.ensure_network(n).bridge for n in (public, internal))
        for save in ("iptables-nft-save", "iptables-legacy-save"):
            text = _saved_filter(save)
            assert "-A FORWARD -j COMPOSER-FORWARD" in text
            assert f"-A COMPOSER-FORWARD -j COMPOSER-BR-{bridge}" in text
            assert f"-A COMPOSER-BR-{bridge} -i {bridge} -j ACCEPT" in text
            assert f"-A COMPOSER-BR-{hidden} -i {hidden} -o {hidden} -j ACCEPT" in text
            assert f"-A COMPOSER-BR-{hidden} -i {hidden} -j ACCEPT" not in text  # internal: no way out
        lab.plugin.remove_network(public)
        lab.plugin.remove_network(internal)
        others = forward_accept.bridges_with_rules()  # networks of anyone else on this host
        for save in ("iptables-nft-save", "iptables-legacy-save"):
            text = _saved_filter(save)
            assert f"COMPOSER-BR-{bridge}" not in text and f"COMPOSER-BR-{hidden}" not in text
            assert others or "COMPOSER" not in text  # the parent chain and its jump went with the last
    finally:
        run("iptables-legacy", "-P", "FORWARD", before)


def test_forward_accept_chains_of_a_crashed_network_are_collected(lab):
    """A crash after the bridge went but before its chains did: gc removes them."""
    net = lab.network("crashed")
    bridge = lab.plugin.ensure_network(net).bridge
    run("ip", "link", "del", bridge)
    lab.plugin.ipam.release_subnet(net.name)
    assert bridge in forward_accept.bridges_with_rules()
    lab.plugin.gc_networks(lab.project, [])
    assert bridge not in forward_accept.bridges_with_rules()
    assert f"COMPOSER-BR-{bridge}" not in _saved_filter("iptables-nft-save")


def test_a_network_whose_forward_accepts_went_missing_is_not_ready_until_ensured_again(lab):
    net = lab.network("repaired")
    bridge = lab.plugin.ensure_network(net).bridge
    assert lab.plugin.ready(net)
    forward_accept.remove(bridge)  # made before these chains existed, or flushed by hand
    assert not lab.plugin.ready(net)
    lab.plugin.ensure_network(net)
    assert lab.plugin.ready(net) and f"-A COMPOSER-BR-{bridge} -i {bridge} -j ACCEPT" in _saved_filter("iptables-save")
