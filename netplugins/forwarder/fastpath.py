"""The kernel fast path: nftables DNAT from an ambassador's listen address to its healthy
targets, so connections bypass the userspace forwarder (kube-proxy's move from its
userspace mode to iptables rules).

The forwarder runs inside the ambassador's network namespace and owns one table there,
`ip composer_fast`, rewritten in one nft transaction whenever the set of targets the kernel
may use changes. Established connections keep their conntrack NAT mapping, so re-targeting
never resets them. With no usable target an ambassador's rule is left out: new connections
reach the userspace listener, which holds them (`retry`) as before. The table goes with the
forwarder's clean exit, and with the namespace after a kill -9.

    chain pre      nat prerouting:  [ip daddr LISTEN] tcp dport P  counter conn-NAME
                                    dnat to numgen inc mod N map { i : ADDR . PORT }
    chain post     nat postrouting: ct status dnat masquerade   (replies come back through us)
    chain through  filter forward:  ct original proto-dst P  counter bytes-NAME; then only
                                    DNATed (and related) traffic passes: nothing else is routed

A target is usable when its targets file says healthy and (TCP) a connect probe, every
PROBE_INTERVAL, succeeded: the kernel cannot retry a refused connection, so a dead target
must leave the rule before clients meet it. Standard library and the `nft` binary only.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import shutil
import socket
import subprocess
from typing import Any, Iterable

from netplugins.forwarder.loop import EPOLLOUT, Timer
from netplugins.forwarder.targets import Target

TABLE = "ip composer_fast"
PROBE_INTERVAL = 0.5  # seconds: the longest a dead target stays in the rule
PROBE_TIMEOUT = 1.0
FIRST_PROBE_TIMEOUT = 0.2  # blocking, at start: a refused connect answers at once, an absent host does not
NFT_TIMEOUT = 10.0
KERNEL, USERSPACE = "kernel", "userspace"


def kernel_refusal(config) -> str:
    """Why the kernel cannot serve this ambassador ("" when it can): fast_path off, a unix
    address, least-connections, or an IPv6 listen address (the table is IPv4)."""
    if config.fast_path != "auto":
        return "fast_path: off"
    if config.listen.scheme not in ("tcp", "udp") or any(t.scheme == "unix" for t in config.target):
        return "unix sockets"
    if config.balance != "round-robin":
        return f"balance: {config.balance}"
    if config.listen.host and not _ipv4(config.listen.host):
        return "IPv6 listen address"
    return ""


def ruleset(ambassadors: Iterable[tuple[str, Any, list[tuple[str, int]]]]) -> list[str]:
    """The whole table as one nft script: (name, listen Endpoint, [(ipv4, port)]) each; an
    ambassador with no targets keeps its counters and loses its rule."""
    lines = [
        f"add table {TABLE}",
        f"add chain {TABLE} pre {{ type nat hook prerouting priority dstnat; policy accept; }}",
        f"add chain {TABLE} post {{ type nat hook postrouting priority srcnat; policy accept; }}",
        f"add chain {TABLE} through {{ type filter hook forward priority filter; policy accept; }}",
        *(f"flush chain {TABLE} {chain}" for chain in ("pre", "post", "through")),
        f"add rule {TABLE} post ct status dnat masquerade",
    ]
    for name, listen, targets in ambassadors:
        conn, moved = counter_names(name)
        lines += [f"add counter {TABLE} {conn}", f"add counter {TABLE} {moved}"]
        if not targets:
            continue
        proto, port = listen.scheme, listen.port
        match = f"ip daddr {listen.host} " if listen.host and listen.host != "0.0.0.0" else "fib daddr type local "
        if len(targets) == 1:
            where = f"{targets[0][0]}:{targets[0][1]}"
        else:
            where = f"numgen inc mod {len(targets)} map {{ " + ", ".join(f"{i} : {a} . {p}" for i, (a, p) in enumerate(targets)) + " }"
        lines.append(f"add rule {TABLE} pre {match}{proto} dport {port} counter name {conn} dnat to {where}")
        lines.append(f"add rule {TABLE} through meta l4proto {proto} ct original proto-dst {port} ct status dnat counter name {moved}")
    # Forwarding is on in this namespace only for our DNAT: an ambassador on two networks
    # must not become a router between them.
    lines += [f"add rule {TABLE} through ct status dnat accept", f"add rule {TABLE} through ct state related accept",
              f"add rule {TABLE} through counter drop"]
    return lines


def counter_names(name: str) -> tuple[str, str]:
    return f"conn-{name}", f"bytes-{name}"


def read_counters(netns: str | None = None) -> dict[str, dict[str, int]]:
    """{ambassador: {"connections", "bytes"}} from the table in netns (a /run/netns name or
    path; None: this one); {} when there is no table."""
    command = [_nft(), "-j", "list", "counters", "table", *TABLE.split()]
    if netns:
        command = ["nsenter", f"--net={netns if '/' in netns else '/run/netns/' + netns}", "--", *command]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=NFT_TIMEOUT)
        items = json.loads(proc.stdout).get("nftables", []) if proc.returncode == 0 else []
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return {}
    out: dict[str, dict[str, int]] = {}
    for item in items:
        counter = item.get("counter")
        if not counter:
            continue
        kind, _, name = counter["name"].partition("-")
        entry = out.setdefault(name, {"connections": 0, "bytes": 0})
        if kind == "conn":
            entry["connections"] = counter["packets"]  # a nat chain sees each connection's first packet only
        else:
            entry["bytes"] = counter["bytes"]
    return out


class FastPath:
    """Keeps the table in step with the engine's ambassadors and their targets' health."""

    def __init__(self, loop, log) -> None:
        self.loop = loop
        self.log = log
        self.ambassadors: dict = {}
        self._installed: list[str] | None = None
        self._timer: Timer | None = None
        self._probing: dict[Target, socket.socket] = {}
        self._prepared = False
        self.failed = ""  # the last nft error: the fast path is off until a change succeeds

    def update(self, ambassadors: dict) -> None:
        """The engine's ambassadors changed (start or reload). New ambassadors' targets are
        probed at once, blocking briefly, so the path is settled (and logged) before the
        forwarder says it is listening: `up` returns with the rules in place."""
        self.ambassadors = ambassadors
        for amb in ambassadors.values():
            if amb.path is None and not kernel_refusal(amb.config) and amb.config.listen.scheme == "tcp":
                amb.pool.refresh(quiet=True)
                for target in amb.pool.targets:
                    _probe_now(amb.pool, target)
            amb.path = USERSPACE if amb.path is None else amb.path
        self._tick()

    def _kernel_ones(self) -> list:
        return [amb for amb in self.ambassadors.values() if not kernel_refusal(amb.config)]

    def _tick(self) -> None:
        self.loop.cancel(self._timer)
        self._timer = None
        kernel = self._kernel_ones()
        for amb in kernel:
            amb.pool.refresh(quiet=True)
            if amb.config.listen.scheme == "tcp":
                for target in amb.pool.targets:
                    self._probe(amb, target)
        self.sync()
        if kernel:
            self._timer = self.loop.call_later(PROBE_INTERVAL, self._tick)

    def sync(self) -> None:
        """Install the rules the targets' current state asks for (nothing when unchanged)."""
        entries = []
        for amb in self._kernel_ones():
            usable = [t for t in amb.pool.targets if _usable(t, amb.config.listen.scheme)]
            entries.append((amb.name, amb.config.listen, [(t.endpoint.host, t.endpoint.port) for t in usable]))
        lines = ruleset(entries) if entries else []
        if lines != self._installed:
            if not self._apply(lines):
                entries = []
            self._installed = lines
        paths = {name: KERNEL if targets else USERSPACE for name, _, targets in entries}
        for amb in self.ambassadors.values():
            path = paths.get(amb.name, USERSPACE)
            if path != amb.path:  # shown by ps; not logged, so a settled project's log stays still
                amb.path = path
                amb.changed()

    def _apply(self, lines: list[str]) -> bool:
        try:
            if lines and not self._prepared:
                prepare_namespace()
                self._prepared = True
            script = lines or [f"add table {TABLE}", f"delete table {TABLE}"]
            proc = subprocess.run([_nft(), "-f", "-"], input="\n".join(script) + "\n", capture_output=True, text=True, timeout=NFT_TIMEOUT)
            error = (proc.stderr.strip().splitlines() or ["nft failed"])[0] if proc.returncode else ""
        except (OSError, subprocess.TimeoutExpired) as exc:
            error = str(exc)
        if error:
            self.log.event("", f"kernel fast path not installed, userspace serves: {error}", kind="fastpath")
            self.failed = error
            return False
        self.failed = ""
        return True

    def _probe(self, amb, target: Target) -> None:
        if target in self._probing or not target.healthy:
            return
        try:
            sock = socket.socket(target.family, socket.SOCK_STREAM | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC)
        except OSError:
            return  # out of fds: the next round tries again
        code = sock.connect_ex(target.sockaddr)
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            _mark(target, False, f"probe: {errno.errorcode.get(code, code)}")
            return
        self._probing[target] = sock
        timer = self.loop.call_later(PROBE_TIMEOUT, lambda: self._probed(amb, target, sock, None, "probe timed out"))
        self.loop.watch(sock.fileno(), lambda mask: self._probed(amb, target, sock, timer, ""), EPOLLOUT)

    def _probed(self, amb, target: Target, sock: socket.socket, timer: Timer | None, error: str) -> None:
        if self._probing.get(target) is not sock:
            return
        del self._probing[target]
        self.loop.cancel(timer)
        if not error:
            code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            error = f"probe: {errno.errorcode.get(code, code)}" if code else ""
        self.loop.close_socket(sock)
        _mark(target, not error, error)
        self.sync()

    def close(self) -> None:
        """Remove the table (the forwarder is stopping cleanly)."""
        self.loop.cancel(self._timer)
        for sock in self._probing.values():
            self.loop.close_socket(sock)
        self._probing.clear()
        if self._installed:
            self._apply([])
            self._installed = None


def _mark(target: Target, up: bool, error: str = "") -> None:
    """A probe's verdict, kept quiet: the userspace path logs what its own connects meet."""
    target.up = up
    if error:
        target.last_error = error


def _probe_now(pool, target: Target) -> None:
    if not target.healthy:
        return
    try:
        with socket.socket(target.family, socket.SOCK_STREAM | socket.SOCK_CLOEXEC) as sock:
            sock.settimeout(FIRST_PROBE_TIMEOUT)
            sock.connect(target.sockaddr)
    except OSError as exc:
        _mark(target, False, f"probe: {exc.strerror or exc}")
        return
    _mark(target, True)


def _usable(target: Target, scheme: str) -> bool:
    if not target.healthy or target.family != socket.AF_INET:
        return False
    return target.up is True if scheme == "tcp" else target.up is not False  # a UDP target cannot be probed


def _ipv4(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).version == 4
    except ValueError:
        return False


def prepare_namespace() -> None:
    """Routing in this namespace: forwarding on, and no ICMP redirects telling a client on the
    target's own bridge to go direct (its replies would then miss our NAT)."""
    _write_sysctl("ipv4/ip_forward", "1")
    for device in ["all", "default", *sorted(_devices())]:
        _write_sysctl(f"ipv4/conf/{device}/send_redirects", "0")


def _devices() -> list[str]:
    import os

    return [d for d in os.listdir("/proc/sys/net/ipv4/conf") if d not in ("all", "default")]


def _write_sysctl(key: str, value: str) -> None:
    with open(f"/proc/sys/net/{key}", "w") as handle:
        handle.write(value + "\n")


def _nft() -> str:
    return shutil.which("nft") or "/usr/sbin/nft"
