"""Where an ambassador's connections go: a static list or a targets file, and which one next.

A targets file is what composer rewrites (atomically) with a service's current replicas:

    [{"addr": "10.0.0.5", "port": 5432, "healthy": true}, ...]

It is re-read when its inode, mtime or size changed, checked on each new connection (one
stat). Targets are tried healthy first; among those, the ones whose last connect did not
fail first; then by the balance rule (round-robin or least-connections).
"""

from __future__ import annotations

import json
import os
from typing import Any, Sequence

from netplugins.forwarder.addresses import Endpoint, check_ip, parse_port
from netplugins.forwarder.config import ForwarderConfigError
from netplugins.forwarder.stats import EventLog


class Target:
    __slots__ = ("endpoint", "family", "sockaddr", "label", "healthy", "up", "last_error", "active", "connections")

    def __init__(self, endpoint: Endpoint, healthy: bool = True) -> None:
        self.endpoint = endpoint
        self.family = endpoint.family
        self.sockaddr = endpoint.sockaddr
        self.label = str(endpoint)
        self.healthy = healthy
        self.up: bool | None = None  # None until a connect was tried
        self.last_error = ""
        self.active = 0
        self.connections = 0

    def tier(self) -> int:
        """0 is tried first: healthy and not known down; 3 last: unhealthy and down."""
        return (0 if self.healthy else 2) + (1 if self.up is False else 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.label, "healthy": self.healthy, "up": self.up, "active": self.active,
            "connections": self.connections, "last_error": self.last_error,
        }


def parse_targets(data: Any, source: str, scheme: str) -> list[tuple[Endpoint, bool]]:
    """The content of a targets file → [(endpoint, healthy)]; ForwarderConfigError if malformed."""
    if not isinstance(data, list):
        raise ForwarderConfigError(f"{source}: a targets file must be a JSON list of {{addr, port, healthy}}")
    out = []
    for i, item in enumerate(data):
        where = f"{source}: [{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("addr"), str):
            raise ForwarderConfigError(f"{where}: needs \"addr\" (an IP address) and \"port\"")
        healthy = item.get("healthy", True)
        if not isinstance(healthy, bool):
            raise ForwarderConfigError(f"{where}.healthy: must be true or false")
        port = item.get("port")
        try:
            host = check_ip(item["addr"])
            if not host or not isinstance(port, int) or isinstance(port, bool):
                raise ValueError(f"needs an IP address and a numeric port, got {item['addr']!r}, {port!r}")
            endpoint = Endpoint(scheme, host, parse_port(str(port)))
        except ValueError as exc:
            raise ForwarderConfigError(f"{where}: {exc}") from None
        out.append((endpoint, healthy))
    return out


class TargetPool:
    def __init__(
        self, ambassador: str, log: EventLog, balance: str,
        static: Sequence[Endpoint] = (), targets_file: str = "", scheme: str = "tcp",
    ) -> None:
        self.ambassador = ambassador
        self.balance = balance
        self.targets_file = targets_file
        self._scheme = scheme
        self._log = log
        self._rr = 0
        self._file_signature: tuple[int, ...] | None = None
        self.targets = [Target(endpoint) for endpoint in static]

    def refresh(self, quiet: bool = False) -> None:
        """Re-read the targets file if it changed since the last look (one stat otherwise).
        quiet: a background look (the fast path's), which must not write the log by itself."""
        if not self.targets_file:
            return
        try:
            st = os.stat(self.targets_file)
        except FileNotFoundError:
            if self._file_signature is not None:  # it was there before: no targets now
                self._replace([], None, quiet)
            return
        except OSError as exc:
            message = f"cannot read targets file {self.targets_file}: {exc.strerror}"
            self._log.event(self.ambassador, message, kind=f"tf:{self.ambassador}")
            return
        signature = (st.st_ino, st.st_dev, st.st_mtime_ns, st.st_size)
        if signature != self._file_signature:
            self._load_file(signature, quiet)

    def _load_file(self, signature: tuple[int, ...], quiet: bool = False) -> None:
        try:
            with open(self.targets_file, "rb") as handle:
                data = json.loads(handle.read())
            entries = parse_targets(data, self.targets_file, self._scheme)
        except (OSError, ValueError, ForwarderConfigError) as exc:
            message = exc.one_line() if isinstance(exc, ForwarderConfigError) else f"{self.targets_file}: {exc}"
            message += f"; keeping the previous {len(self.targets)} targets"
            self._log.event(self.ambassador, message, kind=f"tf:{self.ambassador}")
            return
        self._replace(entries, signature, quiet)

    def _replace(self, entries: list[tuple[Endpoint, bool]], signature: tuple[int, ...] | None, quiet: bool = False) -> None:
        known = {target.endpoint: target for target in self.targets}
        fresh = []
        for endpoint, healthy in entries:
            target = known.get(endpoint) or Target(endpoint)
            target.healthy = healthy
            fresh.append(target)
        self._file_signature = signature
        if not quiet and [t.label for t in fresh] != [t.label for t in self.targets]:
            self._log.event(self.ambassador, f"targets now: {', '.join(t.label for t in fresh) or 'none'}")
        self.targets = fresh

    def pick(self, tried: Sequence[Target] = ()) -> Target | None:
        """The next target to try, skipping those already tried for this connection."""
        best_tier, candidates = 4, []
        for target in self.targets:
            if target in tried:
                continue
            tier = target.tier()
            if tier < best_tier:
                best_tier, candidates = tier, [target]
            elif tier == best_tier:
                candidates.append(target)
        if not candidates:
            return None
        self._rr += 1
        if self.balance == "least-connections":
            fewest = min(target.active for target in candidates)
            candidates = [target for target in candidates if target.active == fewest]
        return candidates[self._rr % len(candidates)]

    def mark_up(self, target: Target) -> None:
        if target.up is not True:
            if target.up is False:
                self._log.event(self.ambassador, f"target {target.label} up")
            target.up = True

    def mark_down(self, target: Target, error: str) -> None:
        target.last_error = error
        if target.up is not False:
            target.up = False
            self._log.event(self.ambassador, f"target {target.label} down: {error}")
        else:
            message = f"connect to {target.label} failed: {error}"
            self._log.event(self.ambassador, message, kind=f"connect:{self.ambassador}:{target.label}")

    def as_list(self) -> list[dict[str, Any]]:
        return [target.as_dict() for target in self.targets]
