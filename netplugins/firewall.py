"""Outbound NAT and isolation for bridge networks, with nftables (`nft` CLI).

Everything lives in one table, `inet composer`; each network gets its own two base chains
named after its bridge, so adding is a flush-and-fill and removal deletes exactly those
chains (add-then-delete in one transaction: idempotent, nothing to look up):

    chain fwd-<bridge>  hook forward:     traffic into the bridge from elsewhere only if it
                                          answers a connection from inside (or was DNATed
                                          by a published port); internal: nothing in or out
    chain nat-<bridge>  hook postrouting: masquerade the subnet leaving by another link
                                          (empty when internal)

Why nftables rather than iptables: chains can be created and deleted by name in one atomic
transaction, so no rule handles or positions are tracked, and nothing of ours mixes with
other tools' iptables chains. Traffic within one bridge is never filtered (with
br_netfilter it passes the forward hook with the bridge as both in and out link).
The one exception is forward_accept.py: where a host firewall (Docker's) drops in the
iptables FORWARD chain, only an accept in that chain lets our traffic through.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from ipaddress import IPv4Network
from pathlib import Path

from . import forward_accept
from .api import ErrorCode, PluginError
from .names import is_valid_ifname

TABLE = "inet composer"
IP_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")
FORWARD_CHAIN = "type filter hook forward priority filter; policy accept;"
NAT_CHAIN = "type nat hook postrouting priority srcnat; policy accept;"


def ensure(bridge: str, subnet: IPv4Network, internal: bool) -> None:
    """Install (or replace) the network's chains."""
    _require_ifname(bridge)
    fwd, nat = f"fwd-{bridge}", f"nat-{bridge}"
    inbound = f'oifname "{bridge}" iifname != "{bridge}"'
    if internal:
        forward_rules = [f'iifname "{bridge}" oifname != "{bridge}" drop', f"{inbound} drop"]
        nat_rules = []
    else:
        forward_rules = [f"{inbound} ct state established,related accept", f"{inbound} ct status dnat accept", f"{inbound} drop"]
        nat_rules = [f'ip saddr {subnet} oifname != "{bridge}" masquerade']
    lines = [f"add table {TABLE}"]
    lines += _fill_chain(fwd, FORWARD_CHAIN, forward_rules)
    lines += _fill_chain(nat, NAT_CHAIN, nat_rules)
    _run_nft(lines, f"network bridge {bridge}: installing firewall rules")
    forward_accept.ensure(bridge, internal)  # where a host firewall (Docker's) drops forwarding
    if not internal:
        enable_ip_forward()


def remove(bridge: str) -> None:
    """Delete the network's chains; fine if they are already gone."""
    _require_ifname(bridge)
    lines = [f"add table {TABLE}"]
    for chain, spec in ((f"fwd-{bridge}", FORWARD_CHAIN), (f"nat-{bridge}", NAT_CHAIN)):
        lines += [f"add chain {TABLE} {chain} {{ {spec} }}", f"flush chain {TABLE} {chain}", f"delete chain {TABLE} {chain}"]
    _run_nft(lines, f"network bridge {bridge}: removing firewall rules")
    forward_accept.remove(bridge)


def bridges_with_rules() -> set[str]:
    """Bridges that have chains in our nft table (for `ready` and gc)."""
    out = _nft(["-j", "list", "chains", "inet"])
    if out is None:
        return set()
    names = set()
    for item in json.loads(out).get("nftables", []):
        chain = item.get("chain")
        if chain and chain.get("table") == "composer" and chain["name"][:4] in ("fwd-", "nat-"):
            names.add(chain["name"][4:])
    return names


def rules_of(bridge: str) -> str:
    """The network's rules as nft prints them ("" when none): for check and tests."""
    texts = [_nft(["list", "chain", *TABLE.split(), f"{prefix}-{bridge}"]) for prefix in ("fwd", "nat")]
    return "".join(text for text in texts if text) + forward_accept.rules_of(bridge)


def enable_ip_forward() -> None:
    """Routing between the bridge and the uplinks needs forwarding on (host-wide, as Docker)."""
    try:
        if IP_FORWARD.read_text().strip() != "1":
            IP_FORWARD.write_text("1\n")
    except OSError as err:
        raise PluginError(ErrorCode.FIREWALL, f"cannot enable IPv4 forwarding: {err.strerror}",
                          "run as root, or set net.ipv4.ip_forward=1") from None


def _fill_chain(chain: str, spec: str, rules: list[str]) -> list[str]:
    lines = [f"add chain {TABLE} {chain} {{ {spec} }}", f"flush chain {TABLE} {chain}"]
    return lines + [f"add rule {TABLE} {chain} {rule}" for rule in rules]


def _require_ifname(bridge: str) -> None:
    if not is_valid_ifname(bridge) or '"' in bridge:
        raise PluginError(ErrorCode.INVALID_CONFIG, f"{bridge!r} is not a usable bridge name")


def _nft_binary() -> str:
    binary = shutil.which("nft") or ("/usr/sbin/nft" if Path("/usr/sbin/nft").exists() else None)
    if binary is None:
        raise PluginError(ErrorCode.FIREWALL, "nft is not installed", "install Debian's nftables package")
    return binary


def _run_nft(lines: list[str], what: str) -> None:
    script = "\n".join(lines) + "\n"
    proc = subprocess.run([_nft_binary(), "-f", "-"], input=script, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["nft failed"])[0]
        raise PluginError(ErrorCode.FIREWALL, f"{what}: {first}", details=proc.stderr + script)


def _nft(args: list[str]) -> str | None:
    """nft output, or None when the object does not exist."""
    proc = subprocess.run([_nft_binary(), *args], capture_output=True, text=True, timeout=30)
    return proc.stdout if proc.returncode == 0 else None
