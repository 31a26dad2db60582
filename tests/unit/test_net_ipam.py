"""IPAM: subnets from a pool or from config, one lease file per address. No root, tmp dirs only."""

from __future__ import annotations

import threading
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from netplugins.api import AttachmentKey, ErrorCode, IpamPool, PluginError
from netplugins.ipam import Ipam, SubnetRequest

NET = "proj_default"


def request(network: str = NET, pool: IpamPool | None = None, project: str = "proj") -> SubnetRequest:
    return SubnetRequest(network, project, network.split("_")[-1], "cb-test", pool)


def key(container: str, network: str = NET, ifname: str = "eth0") -> AttachmentKey:
    return AttachmentKey(network, container, ifname)


@pytest.fixture
def ipam(tmp_path, monkeypatch) -> Ipam:
    monkeypatch.setenv("COMPOSER_SUBNET_POOL", "10.213.0.0/16")
    monkeypatch.setenv("COMPOSER_SUBNET_SIZE", "24")
    return Ipam(tmp_path / "ipam")


def with_subnet(ipam: Ipam, subnet: str, ip_range: str | None = None) -> Ipam:
    ipam.ensure_subnet(request(pool=IpamPool(subnet=subnet, ip_range=ip_range)), [])
    return ipam


# --- subnets -----------------------------------------------------------------------------

def test_pool_subnets_are_distinct_and_gateway_is_first_host(ipam):
    first, created = ipam.ensure_subnet(request("a_x"), [])
    second, _ = ipam.ensure_subnet(request("b_x"), [])
    assert created
    assert (first.subnet, first.gateway) == ("10.213.0.0/24", "10.213.0.1")
    assert second.subnet == "10.213.1.0/24"


def test_ensure_subnet_is_idempotent(ipam):
    first, _ = ipam.ensure_subnet(request(), [])
    again, created = ipam.ensure_subnet(request(), [])
    assert again == first and not created


def test_pool_skips_host_routes(ipam):
    routes = [IPv4Network("10.213.0.0/23"), IPv4Network("10.213.2.128/25")]
    record, _ = ipam.ensure_subnet(request(), routes)
    assert record.subnet == "10.213.3.0/24"


def test_pool_exhaustion_names_pool_and_env(ipam, monkeypatch):
    monkeypatch.setenv("COMPOSER_SUBNET_POOL", "10.99.0.0/23")
    ipam.ensure_subnet(request("a_x"), [])
    ipam.ensure_subnet(request("b_x"), [])
    with pytest.raises(PluginError) as err:
        ipam.ensure_subnet(request("c_x"), [])
    assert err.value.code == ErrorCode.POOL_EXHAUSTED
    assert "network c_x: no free /24 left in 10.99.0.0/23" in err.value.one_line()
    assert "COMPOSER_SUBNET_POOL" in err.value.one_line()


@pytest.mark.parametrize("pool, size, fragment", [
    ("10.0.0.0/33", "24", "COMPOSER_SUBNET_POOL='10.0.0.0/33' is not an IPv4 network"),
    ("10.0.0.0/16", "8", "COMPOSER_SUBNET_SIZE='8' is not a prefix length"),
    ("10.0.0.0/16", "x", "COMPOSER_SUBNET_SIZE='x' is not a prefix length"),
], ids=["bad-pool", "size-too-small", "size-not-number"])
def test_bad_pool_settings(ipam, monkeypatch, pool, size, fragment):
    monkeypatch.setenv("COMPOSER_SUBNET_POOL", pool)
    monkeypatch.setenv("COMPOSER_SUBNET_SIZE", size)
    with pytest.raises(PluginError, match=fragment) as err:
        ipam.ensure_subnet(request(), [])
    assert err.value.code == ErrorCode.INVALID_CONFIG


def test_subnet_size_from_env(ipam, monkeypatch):
    monkeypatch.setenv("COMPOSER_SUBNET_SIZE", "26")
    record, _ = ipam.ensure_subnet(request(), [IPv4Network("10.213.0.0/26")])
    assert record.subnet == "10.213.0.64/26"


def test_configured_subnet_overlapping_host_route_is_refused(ipam):
    with pytest.raises(PluginError) as err:
        ipam.ensure_subnet(request(pool=IpamPool(subnet="192.0.2.0/25")), [IPv4Network("192.0.2.0/24")])
    assert err.value.code == ErrorCode.SUBNET_OVERLAP
    assert err.value.one_line() == "network proj_default: subnet 192.0.2.0/25 overlaps the host route 192.0.2.0/24; pick another subnet"


def test_configured_subnet_overlapping_another_network_names_it(ipam):
    ipam.ensure_subnet(request("other_net", IpamPool(subnet="172.30.0.0/16"), project="other"), [])
    with pytest.raises(PluginError, match="overlaps 172.30.0.0/16 of network other_net \\(project other\\)"):
        ipam.ensure_subnet(request(pool=IpamPool(subnet="172.30.5.0/24")), [])


def test_pool_skips_other_networks_configured_subnets(ipam):
    ipam.ensure_subnet(request("other_net", IpamPool(subnet="10.213.0.0/24"), project="other"), [])
    record, _ = ipam.ensure_subnet(request(), [])
    assert record.subnet == "10.213.1.0/24"


def test_existing_network_with_another_subnet_is_refused(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    with pytest.raises(PluginError, match="exists with subnet 172.30.0.0/24 but the configuration asks for 172.31.0.0/24"):
        ipam.ensure_subnet(request(pool=IpamPool(subnet="172.31.0.0/24")), [])


@pytest.mark.parametrize("pool, fragment", [
    (IpamPool(subnet="172.30.0.1/24"), "ipam subnet '172.30.0.1/24' is not an IPv4 network"),
    (IpamPool(subnet="fd00::/64"), "ipam subnet 'fd00::/64' is not an IPv4 network"),
    (IpamPool(subnet="172.30.0.0/24", gateway="172.31.0.1"), "gateway 172.31.0.1 is not a host address of 172.30.0.0/24"),
    (IpamPool(subnet="172.30.0.0/24", gateway="172.30.0.255"), "gateway 172.30.0.255 is not a host address"),
    (IpamPool(subnet="172.30.0.0/24", gateway="nope"), "gateway 'nope' is not an IPv4 address"),
    (IpamPool(subnet="172.30.0.0/24", ip_range="172.30.1.0/28"), "ip_range 172.30.1.0/28 is not inside subnet 172.30.0.0/24"),
], ids=["host-bits", "ipv6", "gateway-outside", "gateway-broadcast", "gateway-garbage", "range-outside"])
def test_bad_ipam_config(ipam, pool, fragment):
    with pytest.raises(PluginError, match=fragment) as err:
        ipam.ensure_subnet(request(pool=pool), [])
    assert err.value.code == ErrorCode.INVALID_CONFIG


def test_unusable_network_name(ipam):
    with pytest.raises(PluginError, match="network name 'a/b' is not usable"):
        ipam.ensure_subnet(request("a/b"), [])


def test_release_subnet_forgets_leases_and_is_idempotent(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    ipam.reserve(key("c1"))
    ipam.release_subnet(NET)
    ipam.release_subnet(NET)
    assert ipam.subnet(NET) is None and ipam.leases(NET) == {}
    assert not (ipam.root / "leases" / NET).exists()


# --- leases ------------------------------------------------------------------------------

def test_reserve_skips_gateway_and_is_sequential(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    assert ipam.reserve(key("c1")) == (IPv4Interface("172.30.0.2/24"), True)
    assert ipam.reserve(key("c2"))[0] == IPv4Interface("172.30.0.3/24")
    assert ipam.leases(NET) == {IPv4Address("172.30.0.2"): key("c1"), IPv4Address("172.30.0.3"): key("c2")}


def test_same_key_gets_same_address(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    first = ipam.reserve(key("c1"))[0]
    assert ipam.reserve(key("c1")) == (first, False)
    assert ipam.reserve(key("c1", ifname="eth1"))[0] != first


def test_release_frees_by_key_and_next_reserve_moves_on(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    ipam.reserve(key("c1"))
    assert ipam.release(key("c1")) == [IPv4Address("172.30.0.2")]
    assert ipam.release(key("c1")) == []
    # round-robin like host-local: a freed address is not handed out again at once
    assert ipam.reserve(key("c2"))[0] == IPv4Interface("172.30.0.3/24")


def test_exhaustion(ipam):
    with_subnet(ipam, "172.30.0.0/29")  # hosts .1-.6, .1 is the gateway
    for n in range(5):
        ipam.reserve(key(f"c{n}"))
    with pytest.raises(PluginError) as err:
        ipam.reserve(key("c9"))
    assert err.value.code == ErrorCode.ADDRESS_EXHAUSTED
    assert "network proj_default: no free address left in 172.30.0.0/29" in err.value.one_line()
    ipam.release(key("c3"))
    assert ipam.reserve(key("c9"))[0] == IPv4Interface("172.30.0.5/29")


def test_ip_range_limits_dynamic_addresses(ipam):
    with_subnet(ipam, "172.30.0.0/24", ip_range="172.30.0.128/30")
    got = {str(ipam.reserve(key(f"c{n}"))[0].ip) for n in range(4)}
    assert got == {"172.30.0.128", "172.30.0.129", "172.30.0.130", "172.30.0.131"}
    with pytest.raises(PluginError, match="no free address left in 172.30.0.128/30"):
        ipam.reserve(key("c9"))


def test_static_address_is_honoured(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    assert ipam.reserve(key("c1"), "172.30.0.50")[0] == IPv4Interface("172.30.0.50/24")
    assert ipam.reserve(key("c1"), "172.30.0.50")[1] is False


def test_static_address_taken_names_holder(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    ipam.reserve(key("c1"), "172.30.0.50")
    with pytest.raises(PluginError) as err:
        ipam.reserve(key("c2"), "172.30.0.50")
    assert err.value.code == ErrorCode.ADDRESS_IN_USE
    assert err.value.one_line() == "network proj_default: 172.30.0.50 is already used by c1; pick another ipv4_address"


@pytest.mark.parametrize("address", ["172.31.0.5", "172.30.0.1", "172.30.0.0", "172.30.0.255"],
                         ids=["outside", "gateway", "network", "broadcast"])
def test_static_address_outside_hosts(ipam, address):
    with_subnet(ipam, "172.30.0.0/24")
    with pytest.raises(PluginError, match=f"ipv4_address {address} is not a free host address of network proj_default") as err:
        ipam.reserve(key("c1"), address)
    assert err.value.code == ErrorCode.ADDRESS_OUT_OF_RANGE
    assert ipam.leases(NET) == {}


def test_same_key_other_static_address_is_refused(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    ipam.reserve(key("c1"))
    with pytest.raises(PluginError, match="c1 already holds 172.30.0.2 on network proj_default, not 172.30.0.9"):
        ipam.reserve(key("c1"), "172.30.0.9")


def test_reserve_without_subnet(ipam):
    with pytest.raises(PluginError, match="network proj_default has no subnet") as err:
        ipam.reserve(key("c1"))
    assert err.value.code == ErrorCode.NETWORK_MISSING


def test_release_all_except_keeps_valid_and_drops_unreadable(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    for name in ("c1", "c2", "c3"):
        ipam.reserve(key(name))
    (ipam.root / "leases" / NET / "172.30.0.99").write_text("")  # a crash between create and write
    freed = ipam.release_all_except(NET, {key("c2")})
    assert sorted(str(ip) for ip, _ in freed) == ["172.30.0.2", "172.30.0.4", "172.30.0.99"]
    assert ipam.leases(NET) == {IPv4Address("172.30.0.3"): key("c2")}


def test_release_all_except_for_one_owner_spares_other_projects(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    ipam.reserve(key("a1"), owner="a")
    ipam.reserve(key("b1"), owner="b")
    assert ipam.release_all_except(NET, set(), owner="a") == [(IPv4Address("172.30.0.2"), key("a1"))]
    assert ipam.leases(NET) == {IPv4Address("172.30.0.3"): key("b1")}


def test_concurrent_reservations_get_distinct_addresses(ipam):
    with_subnet(ipam, "172.30.0.0/24")
    results: list[IPv4Interface] = []
    errors: list[Exception] = []

    def grab(n: int) -> None:
        try:
            results.append(Ipam(ipam.root).reserve(key(f"c{n}"))[0])
        except Exception as err:  # collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=grab, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors and len(set(results)) == 20
