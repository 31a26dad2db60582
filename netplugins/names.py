"""Deterministic Linux names for what the bridge plugin makes (IFNAMSIZ: 15 characters).

    bridge     "cb-" + 10 hex of sha256(project NUL network key)    13 characters
    host veth  "cv"  + 11 hex of sha256(network NUL container NUL ifname)   13 characters
    nft chains "fwd-<bridge>", "nat-<bridge>" (firewall.py)

Why this is safe enough: 10 hex digits are 40 bits, so among n bridges on one host the
chance of any two colliding is about n²/2⁴¹ (1e-6 for 1,500 networks); veths get 44 bits
(1e-6 for 6,000 live attachments). A collision is still detected, not silently shared:
every link we make carries an ifalias naming its owner (bridge_alias / veth_alias), and
ensure_* refuses a link whose alias names someone else. Names need no record, so delete
and gc work from keys alone.
"""

from __future__ import annotations

import hashlib
import re

from .api import AttachmentKey

IFNAMSIZ = 15  # usable characters (the kernel's 16 includes the NUL)
BRIDGE_PREFIX = "cb-"
VETH_PREFIX = "cv"
ALIAS_PREFIX = "composer "
BRIDGE_NAME_OPT = "com.docker.network.bridge.name"

_IFNAME = re.compile(r"^[^\s/:]{1,15}$")
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def bridge_name(project: str, network_key: str) -> str:
    return BRIDGE_PREFIX + _digest(project, network_key)[:10]


def veth_name(key: AttachmentKey) -> str:
    return VETH_PREFIX + _digest(key.network, key.container_id, key.ifname)[:11]


def bridge_alias(project: str, network_name: str) -> str:
    """The ifalias on a bridge we own: "composer <project> <network>"."""
    return f"{ALIAS_PREFIX}{project} {network_name}"


def veth_alias(project: str, key: AttachmentKey) -> str:
    """The ifalias on a host veth: "composer <project> <network>/<container>/<ifname>".

    The project matters on shared (external) networks: gc of one project must not touch
    another project's attachments.
    """
    return f"{ALIAS_PREFIX}{project} {key}"


def parse_alias(alias: str | None) -> tuple[str, str] | None:
    """(project, rest) from an alias we wrote, else None. rest is a network name for a
    bridge, "<network>/<container>/<ifname>" for a veth."""
    if not alias or not alias.startswith(ALIAS_PREFIX):
        return None
    parts = alias[len(ALIAS_PREFIX):].split(" ")
    return (parts[0], parts[1]) if len(parts) == 2 else None


def key_of_alias(alias: str | None) -> tuple[str, AttachmentKey] | None:
    """(project, key) from a veth alias we wrote, else None."""
    parsed = parse_alias(alias)
    parts = parsed[1].split("/") if parsed else []
    return (parsed[0], AttachmentKey(*parts)) if parsed and len(parts) == 3 else None


def is_valid_ifname(name: str) -> bool:
    return bool(_IFNAME.match(name)) and name not in (".", "..")


def is_plain_name(name: str) -> bool:
    """Safe as a file name and inside an alias: network names and container ids."""
    return bool(_PLAIN.match(name))
