"""The ambassadors one forwarder process serves, and how a config change reaches them.

On reload an ambassador whose listen address is unchanged keeps its listening socket and
its open connections and takes the new settings for new connections; one whose listen
address changed, or that is gone from the config, is closed with its connections.
"""

from __future__ import annotations

import socket
from typing import Any

from netplugins.forwarder.config import AmbassadorConfig, ForwarderConfig, ForwarderConfigError, ForwarderError, load_config
from netplugins.forwarder.fastpath import FastPath
from netplugins.forwarder.loop import EventLoop, Timer
from netplugins.forwarder.pipes import PipePool
from netplugins.forwarder.stats import AmbassadorStats, EventLog, StatsFile
from netplugins.forwarder.targets import TargetPool
from netplugins.forwarder.tcp import LINGER_RESET, Connection, StreamListener
from netplugins.forwarder.udp import UdpListener


class Ambassador:
    def __init__(self, engine: Engine, config: AmbassadorConfig) -> None:
        self.engine = engine
        self.loop = engine.loop
        self.log = engine.log
        self.pipes = engine.pipes
        self.name = config.name
        self.config = config
        self.stats = AmbassadorStats()
        self.pool = _target_pool(config, engine.log)
        self.connections: set[Connection] = set()
        self.path: str | None = None  # kernel or userspace: set by the engine's FastPath
        self.listener = UdpListener(self) if config.listen.scheme == "udp" else StreamListener(self)

    def accepted(self, client: socket.socket) -> None:
        stats = self.stats
        if stats.active >= self.config.max_connections:
            stats.refused += 1
            message = f"{self.config.max_connections} connections open; refusing new ones"
            self.log.event(self.name, message, kind=f"refused:{self.name}")
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
            client.close()
            self.changed()
            return
        client.setblocking(False)  # TCP_NODELAY came from the listener
        stats.total += 1
        stats.active += 1
        connection = Connection(self, client)
        self.connections.add(connection)
        connection.start()
        self.changed()

    def connection_closed(self, connection: Connection) -> None:
        self.connections.discard(connection)
        self.stats.active -= 1
        self.changed()
        self.engine.connection_closed()

    def changed(self) -> None:
        self.engine.stats_file.touch()

    def update(self, config: AmbassadorConfig) -> None:
        """Same listen address, new settings: they apply to new connections."""
        if (config.target, config.targets_file) != (self.config.target, self.config.targets_file):
            self.pool = _target_pool(config, self.log)
        self.pool.balance = config.balance
        self.config = config

    def stop_listening(self) -> None:
        self.listener.close()

    def close(self) -> None:
        self.listener.close()
        for connection in list(self.connections):
            connection.close()

    def as_dict(self) -> dict[str, Any]:
        self.pool.refresh()
        return {"listen": str(self.config.listen), "path": self.path, **self.stats.as_dict(), "targets": self.pool.as_list()}


def _target_pool(config: AmbassadorConfig, log: EventLog) -> TargetPool:
    scheme = "udp" if config.listen.scheme == "udp" else "tcp"
    return TargetPool(config.name, log, config.balance, config.target, config.targets_file, scheme)


class Engine:
    def __init__(self, loop: EventLoop, log: EventLog, config: ForwarderConfig) -> None:
        self.loop = loop
        self.log = log
        self.config = config
        self.pipes = PipePool(config.pipe_size)
        self.ambassadors: dict[str, Ambassador] = {}
        self.stats_file = StatsFile(loop, config.stats, self.snapshot, log)
        self.stats_file.keep_ticking = lambda: any(amb.stats.active for amb in self.ambassadors.values())
        self.stopping = False
        self._grace_timer: Timer | None = None
        self.fast = FastPath(loop, log)

    def apply(self, config: ForwarderConfig) -> list[ForwarderError]:
        """Make the running ambassadors match config; errors of those that could not start."""
        self.config = config
        self.pipes.resize(config.pipe_size)
        self.stats_file.path = config.stats
        self.stats_file.interval = config.stats_interval
        wanted = {amb.name: amb for amb in config.ambassadors}
        for name, amb in list(self.ambassadors.items()):
            new = wanted.get(name)
            if new is None or (new.listen, new.socket_mode) != (amb.config.listen, amb.config.socket_mode):
                amb.close()
                del self.ambassadors[name]
        errors = []
        for new in config.ambassadors:
            if new.name in self.ambassadors:
                self.ambassadors[new.name].update(new)
                continue
            try:
                self.ambassadors[new.name] = Ambassador(self, new)
            except ForwarderError as exc:
                errors.append(exc)
        self.fast.update(self.ambassadors)
        return errors

    def reload(self, path: str) -> None:
        try:
            config = load_config(path)
        except ForwarderConfigError as exc:
            self.log.event("", f"reload failed: {exc.one_line()}; still running the previous config")
            return
        errors = self.apply(config)
        self.stats_file.flush()
        for error in errors:
            self.log.event("", f"reload: {error.one_line()}")
        self.log.event("", f"reloaded {path}: {len(self.ambassadors)} ambassadors running")

    def shutdown(self) -> None:
        """Stop listening; let open connections finish for shutdown_grace, then close them."""
        if self.stopping:
            return
        self.stopping = True
        for amb in self.ambassadors.values():
            amb.stop_listening()
        open_connections = sum(len(amb.connections) for amb in self.ambassadors.values())
        grace = self.config.shutdown_grace
        self.log.event("", f"stopping: listeners closed, {open_connections} open connections get {grace:g}s to finish")
        if open_connections:
            self._grace_timer = self.loop.call_later(self.config.shutdown_grace, self._grace_over)
        else:
            self.loop.stop()

    def _grace_over(self) -> None:
        for amb in self.ambassadors.values():
            amb.close()
        self.loop.stop()

    def connection_closed(self) -> None:
        if self.stopping and not self.has_connections():
            self.loop.cancel(self._grace_timer)
            self.loop.stop()

    def has_connections(self) -> bool:
        return any(amb.connections for amb in self.ambassadors.values())

    def snapshot(self) -> dict[str, Any]:
        return {"ambassadors": {name: amb.as_dict() for name, amb in self.ambassadors.items()}}

    def close(self, write_stats: bool = True) -> None:
        self.fast.close()
        for amb in self.ambassadors.values():
            amb.close()
        if write_stats:
            self.stats_file.flush()
        self.pipes.close()
