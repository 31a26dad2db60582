"""The rtnetlink codec (netplugins/rtnl.py) against the kernel, checked by pyroute2 (root).

Everything is made inside namespaces the lab creates; pyroute2 reads back what our codec
wrote (and the other way round), so a packing mistake shows as a difference between two
independent implementations, not as a self-consistent round trip.
"""

from __future__ import annotations

import errno
import os
from ipaddress import IPv4Address, IPv4Interface

import pytest

from netplugins.nsthread import netlink_socket_in
from netplugins.rtnl import NetlinkError, RtnlSocket, VethPeer
from netplugins.rtnl_pyroute2 import Pyroute2Socket

from test_net_support import lab  # noqa: F401  (fixture)

pytestmark = pytest.mark.needs_root


def _both(path: str) -> tuple[RtnlSocket, Pyroute2Socket]:
    return RtnlSocket(netlink_socket_in(path)), Pyroute2Socket(netlink_socket_in(path))


@pytest.fixture
def two_netns(lab):
    (_, outer), (_, inner) = lab.netns("rtnl-a"), lab.netns("rtnl-b")
    opened = [*_both(outer), *_both(inner)]
    yield outer, inner, opened
    for sock in opened:
        sock.close()


def test_bridge_veth_address_route_read_back_by_pyroute2(two_netns):
    outer, inner, (ours, theirs, ours_in, theirs_in) = two_netns
    ours.add_bridge("br-t", 1400)
    bridge = theirs.get_link("br-t")
    assert (bridge.kind, bridge.mtu, bridge.up) == ("bridge", 1400, False)
    fd = os.open(inner, os.O_RDONLY | os.O_CLOEXEC)
    try:
        ours.add_veth("vt-host", 1400, VethPeer("eth7", fd, 1400, "02:42:0a:d5:00:07"))
    finally:
        os.close(fd)
    ours.set_link("vt-host", alias="composer/test", master=bridge.index, up=True)
    host_end = theirs.get_link("vt-host")
    assert (host_end.kind, host_end.master, host_end.alias, host_end.up, host_end.mtu) == \
        ("veth", bridge.index, "composer/test", True, 1400)
    inside = theirs_in.get_link("eth7")
    assert (inside.kind, inside.mac, inside.mtu, inside.peer_index) == ("veth", "02:42:0a:d5:00:07", 1400, host_end.index)

    ours_in.add_address(inside.index, IPv4Interface("10.77.0.2/24"))
    ours_in.set_link("eth7", up=True)
    ours_in.add_default_route(IPv4Address("10.77.0.1"))
    assert theirs_in.dump_addresses(inside.index) == [IPv4Interface("10.77.0.2/24")]
    default = [r for r in theirs_in.dump_routes() if r.dst_len == 0]
    assert [(r.gateway, r.table) for r in default] == [(IPv4Address("10.77.0.1"), 254)]

    # both codecs read the same kernel state the same way
    assert ours.dump_links() == theirs.dump_links()
    assert ours_in.dump_links() == theirs_in.dump_links()
    assert ours_in.dump_routes() == theirs_in.dump_routes()
    assert ours_in.get_link("eth7") == theirs_in.get_link("eth7")

    ours.delete_link("vt-host")  # takes its peer along
    with pytest.raises(NetlinkError) as gone:
        theirs_in.get_link("eth7")
    assert gone.value.errno == errno.ENODEV


def test_what_pyroute2_made_reads_the_same_with_ours(two_netns):
    outer, _, (ours, theirs, _, _) = two_netns
    theirs.add_bridge("br-p", None)
    theirs.set_link("br-p", alias="made by pyroute2", up=True)
    bridge = theirs.get_link("br-p")
    theirs.add_address(bridge.index, IPv4Interface("10.78.0.1/24"))
    assert ours.get_link("br-p") == theirs.get_link("br-p")
    assert ours.dump_addresses(bridge.index) == [IPv4Interface("10.78.0.1/24")]
    assert ours.dump_routes() == theirs.dump_routes()  # includes the subnet's link route


def test_kernel_refusals_are_errnos(two_netns):
    _, _, (ours, _, _, _) = two_netns
    with pytest.raises(NetlinkError) as missing:
        ours.get_link("no-such-link")
    assert missing.value.errno == errno.ENODEV
    ours.add_bridge("br-x", None)
    with pytest.raises(NetlinkError) as twice:
        ours.add_bridge("br-x", None)
    assert twice.value.errno == errno.EEXIST
    with pytest.raises(NetlinkError) as bad_master:
        ours.set_link("br-x", master=999_999)
    assert bad_master.value.errno in (errno.EINVAL, errno.ENODEV)
    # the socket stays usable after refusals
    assert ours.get_link("br-x").kind == "bridge"


def test_a_dump_larger_than_one_datagram(two_netns):
    """300 links do not fit in one kernel answer: the dump must follow NLM_F_MULTI to DONE."""
    outer, inner, (ours, theirs, _, _) = two_netns
    fd = os.open(outer, os.O_RDONLY | os.O_CLOEXEC)
    try:
        for n in range(150):
            ours.add_veth(f"va{n}", None, VethPeer(f"vb{n}", fd))
    finally:
        os.close(fd)
    links = ours.dump_links()
    assert len(links) == 301 and links == theirs.dump_links()


def test_the_bridge_driver_on_the_pyroute2_backend(lab, monkeypatch):
    """COMPOSER_NETLINK=pyroute2: the same driver steps, through pyroute2's IPRoute."""
    import threading

    from netplugins import netlink
    from test_net_support import can_ping

    monkeypatch.setenv(netlink.BACKEND_ENV, "pyroute2")
    monkeypatch.setattr(netlink, "_per_thread", threading.local())  # no host socket kept from before
    net = lab.network("front")
    (one, _), (two, _) = lab.netns("one"), lab.netns("two")
    att, first = lab.attach(net, one)
    _, second = lab.attach(net, two)
    with netlink.open_netlink() as host:
        assert type(host._rtnl).__name__ == "Pyroute2Socket"
    assert can_ping(one, second.ipv4) and can_ping(two, first.gateway)
    lab.plugin.check(net, att, first)
    lab.plugin.delete(net, att, first)
    with netlink.open_netlink() as host:
        assert host.link(first.host_ifname) is None
