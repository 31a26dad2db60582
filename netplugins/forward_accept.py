"""Accept our bridges' forwarded traffic where the host's iptables filter FORWARD drops it.

Docker (and ufw, firewalld's iptables mode) set the filter FORWARD policy to DROP, and
with br_netfilter even traffic between two ports of one bridge passes that chain. In
nftables a drop in any base chain is final, so an accept in our own `inet composer` table
cannot undo it: the accept has to go into the chain where the drop is. As netavark and
libvirt do, each network gets a chain in the iptables filter table, reached from one
parent chain that FORWARD jumps to:

    FORWARD ── -j COMPOSER-FORWARD ── -j COMPOSER-BR-<bridge>
        not internal:  -i <bridge> accept                         (within the bridge, and out)
                       -o <bridge> ct state related,established accept  (replies)
                       -o <bridge> ct state dnat accept           (published ports)
        internal:      -i <bridge> -o <bridge> accept             (within the bridge only)

Isolation stays with the nft chains (firewall.py): what they drop stays dropped. The jump
is inserted at the top of FORWARD; dockerd re-inserts its own chains above it each time
it starts, and those only act on Docker's bridges, so our accepts are still reached.

Rules go to the backend the host's `iptables` command uses (the one Docker will use, even
if it starts later), and also to the other backend when its FORWARD already filters. All
edits are `iptables-restore --noflush` batches under a host-wide lock (a chain line in such
a batch flushes that chain, so two writers must not interleave). Nothing is left once the
last network goes: the parent chain and its jump go with it.
"""

from __future__ import annotations

import dataclasses
import fcntl
import os
import shutil
import subprocess
from pathlib import Path

from .api import ErrorCode, PluginError
from .names import is_valid_ifname

PARENT = "COMPOSER-FORWARD"
CHAIN_PREFIX = "COMPOSER-BR-"
LOCK_PATH = Path("/run/lock/composer-forward-accept.lock")
LEGACY_TABLES = Path("/proc/net/ip_tables_names")


@dataclasses.dataclass(frozen=True)
class Backend:
    name: str  # "nft" or "legacy"
    save: str
    restore: str


@dataclasses.dataclass
class FilterState:
    """What one backend's filter table holds that matters to us."""

    chains: set[str]
    forward_policy: str
    forward_rules: list[str]  # the rule text after "-A FORWARD "
    parent_jumps: list[str]  # chains COMPOSER-FORWARD jumps to, with repeats

    @property
    def forward_jumps(self) -> int:
        return self.forward_rules.count(f"-j {PARENT}")

    @property
    def filters(self) -> bool:
        """FORWARD drops something, or holds rules that are not ours."""
        return self.forward_policy != "ACCEPT" or any(rule != f"-j {PARENT}" for rule in self.forward_rules)


def chain_of(bridge: str) -> str:
    return CHAIN_PREFIX + bridge


def rules_for(bridge: str, internal: bool) -> list[str]:
    if internal:
        return [f"-i {bridge} -o {bridge} -j ACCEPT"]
    return [f"-i {bridge} -j ACCEPT",
            f"-o {bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            f"-o {bridge} -m conntrack --ctstate DNAT -j ACCEPT"]


def ensure(bridge: str, internal: bool) -> None:
    """Install (or replace) the bridge's chain and the jumps that reach it."""
    _require_ifname(bridge)
    chain = chain_of(bridge)
    with _locked():
        for backend, state in _states(for_new_rules=True):
            lines = [] if PARENT in state.chains else [f":{PARENT} - [0:0]"]
            lines.append(f":{chain} - [0:0]")  # creates the chain, or empties it
            lines += [f"-A {chain} {rule}" for rule in rules_for(bridge, internal)]
            if chain not in state.parent_jumps:
                lines.append(f"-A {PARENT} -j {chain}")
            if not state.forward_jumps:
                lines.append(f"-I FORWARD 1 -j {PARENT}")
            _restore(backend, lines, f"network bridge {bridge}: accepting its traffic in iptables FORWARD")


def remove(bridge: str) -> None:
    """Delete the bridge's chain (and the parent chain once no bridge is left); fine if gone."""
    _require_ifname(bridge)
    chain = chain_of(bridge)
    with _locked():
        for backend, state in _states(for_new_rules=False):
            if chain not in state.chains and not (PARENT in state.chains and not state.parent_jumps):
                continue
            unlink, delete = [], []
            if chain in state.chains:
                unlink += [f"-D {PARENT} -j {chain}"] * state.parent_jumps.count(chain) + [f"-F {chain}"]
                delete.append(f"-X {chain}")
            if PARENT in state.chains and not [jump for jump in state.parent_jumps if jump != chain]:
                unlink += [f"-D FORWARD -j {PARENT}"] * state.forward_jumps + [f"-F {PARENT}"]
                delete.append(f"-X {PARENT}")
            # Two batches: iptables-nft refuses to delete a chain whose last reference goes
            # in the same batch.
            what = f"network bridge {bridge}: removing its iptables FORWARD rules"
            _restore(backend, unlink, what)
            _restore(backend, delete, what)


def in_place(bridge: str) -> bool:
    """True when ensure() would change nothing: the chain is where new rules would go (or
    the host has no iptables at all). Lets `up` repair a network made before these chains
    existed, or whose chains someone flushed."""
    return all(chain_of(bridge) in state.chains and state.forward_jumps and chain_of(bridge) in state.parent_jumps
               for _, state in _states(for_new_rules=True))


def bridges_with_rules() -> set[str]:
    """Bridges that have a chain of ours in some backend (for gc after a crash)."""
    names: set[str] = set()
    for _, state in _states(for_new_rules=False):
        names |= {c[len(CHAIN_PREFIX):] for c in state.chains if c.startswith(CHAIN_PREFIX)}
    return names


def rules_of(bridge: str) -> str:
    """The bridge's rules in every backend, as iptables-save prints them (for tests)."""
    out = []
    for backend, _ in _states(for_new_rules=False):
        text = _run([backend.save, "-t", "filter"]) or ""
        out += [f"{backend.name}: {line}" for line in text.splitlines() if f" {chain_of(bridge)} " in f"{line} "]
    return "\n".join(out)


# --- backends -----------------------------------------------------------------------------


def _states(for_new_rules: bool) -> list[tuple[Backend, FilterState]]:
    """The backends to act on, each with its filter table as it is now.

    For new rules: the default backend always, the other one when its FORWARD filters.
    For removal and listing: every backend whose filter table exists."""
    default = _default_backend()
    found = []
    for backend in _installed_backends():
        if backend.name == "legacy" and not _legacy_filter_exists():
            continue  # listing would load and create the legacy table
        state = _read(backend)
        if state is None:
            continue
        if not for_new_rules or backend == default or state.filters:
            found.append((backend, state))
    if for_new_rules and default is not None and all(b != default for b, _ in found):
        found.append((default, FilterState(set(), "ACCEPT", [], [])))  # no filter table yet
    return found


def _installed_backends() -> list[Backend]:
    backends = []
    for name in ("nft", "legacy"):
        save, restore = shutil.which(f"iptables-{name}-save"), shutil.which(f"iptables-{name}-restore")
        if save and restore:
            backends.append(Backend(name, save, restore))
    return backends


def _default_backend() -> Backend | None:
    """The backend behind the plain `iptables` command: Docker and others will use it."""
    command = shutil.which("iptables")
    if command is None:
        return None
    flavour = "legacy" if "legacy" in os.path.basename(os.path.realpath(command)) else "nft"
    return next((b for b in _installed_backends() if b.name == flavour), None)


def _legacy_filter_exists() -> bool:
    try:
        return "filter" in LEGACY_TABLES.read_text().split()
    except OSError:
        return False


def _read(backend: Backend) -> FilterState | None:
    text = _run([backend.save, "-t", "filter"])
    if text is None:
        return None
    state = FilterState(set(), "ACCEPT", [], [])
    for line in text.splitlines():
        if line.startswith(":"):
            name, policy = (line[1:].split() + ["-"])[:2]
            state.chains.add(name)
            if name == "FORWARD":
                state.forward_policy = policy
        elif line.startswith("-A FORWARD "):
            state.forward_rules.append(line[len("-A FORWARD "):])
        elif line.startswith(f"-A {PARENT} -j "):
            state.parent_jumps.append(line.split()[-1])
    return state


def _restore(backend: Backend, lines: list[str], what: str) -> None:
    if not lines:
        return
    script = "\n".join(["*filter", *lines, "COMMIT"]) + "\n"
    proc = subprocess.run([backend.restore, "--noflush"], input=script, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["iptables-restore failed"])[-1]
        raise PluginError(ErrorCode.FIREWALL, f"{what} ({backend.name}): {last}", details=proc.stderr + script)


def _run(command: list[str]) -> str | None:
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return proc.stdout if proc.returncode == 0 else None


class _locked:
    """Host-wide: the iptables state is the host's, whichever project or run edits it."""

    def __enter__(self) -> None:
        LOCK_PATH.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(LOCK_PATH, "w")
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _require_ifname(bridge: str) -> None:
    if not is_valid_ifname(bridge) or len(chain_of(bridge)) > 28 or any(c.isspace() for c in bridge):
        raise PluginError(ErrorCode.INVALID_CONFIG, f"{bridge!r} is not a usable bridge name")
