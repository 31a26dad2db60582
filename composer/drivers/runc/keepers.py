"""The project's forwarder processes, each under a keeper that restarts it.

    <run>/projects/<p>/proxies/<name>/config.json stats.json forwarder.log keeper.pid
One per ambassador (inside its namespace) and one, named PORTS, for the published ports
(in the host's namespace). Writing the config and sending SIGHUP makes a running one reload.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

from composer.crash import crash_point
from composer.drivers.runc import records
from composer.errors import from_netplugins

PORTS = "ports"  # the proxy publishing host ports


def proxy_dir(project_name: str, name: str) -> Path:
    return records.project_dir(project_name) / "proxies" / name


def ambassador_netns(project_name: str, name: str) -> str:
    return f"{project_name}-{name}-amb"


def keeper_pid(project_name: str, name: str) -> int | None:
    directory = proxy_dir(project_name, name)
    try:
        pid = int((directory / "keeper.pid").read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return _unrecorded_keeper(directory) if (directory / "config.json").exists() else None
    except (OSError, ValueError):
        return None
    return pid if b"netplugins.forwarder.keeper" in cmdline else None


def _unrecorded_keeper(directory: Path) -> int | None:
    """A keeper started by a command killed before it wrote keeper.pid: found by its config
    path on its command line, so `down` stops it and `up` does not start a second one."""
    config = str(directory / "config.json").encode()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                cmdline = Path(f"/proc/{entry.name}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if config in cmdline and any(b"netplugins.forwarder.keeper" in arg for arg in cmdline):
                return int(entry.name)
    return None


@from_netplugins
def ensure_proxy(project_name: str, name: str, entries: list, netns: str | None) -> None:
    """Write the forwarder's config; start its keeper, or make the running one reload."""
    from netplugins.forwarder.api import start_keeper, write_config  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    directory = proxy_dir(project_name, name)
    directory.mkdir(parents=True, exist_ok=True)
    config = str(directory / "config.json")
    write_config(config, entries, stats=str(directory / "stats.json"))
    pid = keeper_pid(project_name, name)
    if pid is not None:
        os.kill(pid, signal.SIGHUP)
        return
    pid = start_keeper(config, netns, log_path=str(directory / "forwarder.log"))
    crash_point("proxy.started")
    (directory / "keeper.pid").write_text(str(pid))


def stop_proxy(project_name: str, name: str, timeout: float = 5.0) -> None:
    pid = keeper_pid(project_name, name)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while keeper_pid(project_name, name) == pid and time.monotonic() < deadline:
            time.sleep(0.02)
        if keeper_pid(project_name, name) == pid:
            os.killpg(pid, signal.SIGKILL)
    crash_point("proxy.stopped")
    shutil.rmtree(proxy_dir(project_name, name), ignore_errors=True)


def proxy_names(project_name: str) -> list[str]:
    root = records.project_dir(project_name) / "proxies"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def stop_all(project_name: str) -> list[str]:
    names = proxy_names(project_name)
    for name in names:
        stop_proxy(project_name, name)
    return names


def read_stats(project_name: str, name: str) -> dict:
    """The forwarder's stats; on the kernel path with the nft counters of its rule added
    (`kernel`: connections, bytes), read from the namespace now."""
    from netplugins.forwarder.api import read_stats as read  # on use: netplugins costs 8-50 ms to import; ps and the no-op up never call it

    stats = read(str(proxy_dir(project_name, name) / "stats.json"))
    mine = stats.get("ambassadors", {}).get(name)
    if mine is not None and mine.get("path") == "kernel":
        from netplugins.forwarder.fastpath import read_counters  # on use: as above

        zero = {"connections": 0, "bytes": 0}
        mine["kernel"] = read_counters(ambassador_netns(project_name, name)).get(name, zero)
    return stats
