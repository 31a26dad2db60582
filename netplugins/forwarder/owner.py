"""What a listener and its connections (tcp.py, udp.py) need of the ambassador that owns
them: engine.py's Ambassador is one. A type of its own, so tcp.py and udp.py need not
import engine.py, which imports them."""

from __future__ import annotations

import socket
from typing import Any, Protocol

from netplugins.forwarder.config import AmbassadorConfig
from netplugins.forwarder.loop import EventLoop
from netplugins.forwarder.pipes import PipePool
from netplugins.forwarder.stats import AmbassadorStats, EventLog
from netplugins.forwarder.targets import TargetPool


class Owner(Protocol):
    name: str
    config: AmbassadorConfig
    loop: EventLoop
    log: EventLog
    pipes: PipePool
    pool: TargetPool
    stats: AmbassadorStats

    def accepted(self, client: socket.socket) -> None:
        """A new client connection (TCP or unix)."""

    def connection_closed(self, connection: Any) -> None: ...

    def changed(self) -> None:
        """Its counters changed: the stats file is due a rewrite."""
