"""What composer calls: write a forwarder's config and targets files, start, reload, stop it.

    write_config(path, ambassadors, stats="")      atomically; validated first
    write_targets(path, [(addr, port, healthy)])   atomically; the forwarder notices by itself
    start_forwarder(config_path, netns=None, log_path=None) -> Popen   once it is listening
    reload_forwarder(pid)                          SIGHUP: re-read the config
    stop_forwarder(proc, timeout)                  SIGTERM, then SIGKILL after timeout
    read_stats(path) -> dict                       what `compose ps` shows

Restarting a forwarder that died is the container supervisor's job, not this module's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from netplugins.forwarder.config import (
    AmbassadorConfig, ForwarderConfig, ForwarderError, config_to_dict, load_config, parse_config,
    write_json_atomically,
)
from netplugins.forwarder.targets import parse_targets

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the directory holding netplugins/
# -I keeps PYTHONPATH and the working directory out, -S site-packages (2 MB less RSS: the
# forwarder needs only the standard library); the bootstrap adds only our own code.
BOOTSTRAP = "import runpy,sys; sys.path.insert(0, sys.argv.pop(1)); runpy.run_module('netplugins.forwarder', run_name='__main__')"


def write_config(path: str, ambassadors: Iterable[AmbassadorConfig], stats: str = "", **options: Any) -> ForwarderConfig:
    """Validate and write a forwarder config atomically; options: pipe_size, shutdown_grace, stats_interval."""
    config = ForwarderConfig(tuple(ambassadors), stats, **options)
    data = config_to_dict(config)
    parse_config(data, path)  # the same checks the forwarder makes, raised here instead
    write_json_atomically(path, data)
    return config


def write_targets(path: str, targets: Sequence[tuple[str, int, bool]], scheme: str = "tcp") -> None:
    """Atomically replace a targets file with [(ip, port, healthy)]; raises ForwarderConfigError."""
    data = [{"addr": addr, "port": port, "healthy": healthy} for addr, port, healthy in targets]
    parse_targets(data, path, scheme)
    write_json_atomically(path, data)


def forwarder_command(config_path: str) -> list[str]:
    return [sys.executable, "-I", "-S", "-c", BOOTSTRAP, PACKAGE_ROOT, config_path]


KEEPER_BOOTSTRAP = "import runpy,sys; sys.path.insert(0, sys.argv.pop(1)); runpy.run_module('netplugins.forwarder.keeper', run_name='__main__')"


def start_keeper(config_path: str, netns: str | None = None, log_path: str | None = None, ready_timeout: float = 5.0) -> int:
    """Start a forwarder under a keeper that restarts it if it dies; returns the keeper's pid
    once the forwarder listens (its stats file names a child of the keeper)."""
    config = load_config(config_path)
    command = [sys.executable, "-I", "-S", "-c", KEEPER_BOOTSTRAP, PACKAGE_ROOT, *forwarder_command(config_path)]
    if netns:
        command = ["nsenter", f"--net={netns if '/' in netns else '/run/netns/' + netns}", "--", *command]
    with open(log_path or os.devnull, "ab") as log:
        keeper = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if keeper.poll() is not None:
            raise ForwarderError(f"forwarder keeper exited with status {keeper.returncode}: {_last_line(log_path)}")
        pid = read_stats(config.stats).get("pid") if config.stats else None
        if pid and _parent_of(pid) == keeper.pid:  # nsenter execs: the keeper keeps the pid
            return keeper.pid
        time.sleep(0.01)
    raise ForwarderError(f"forwarder did not start listening within {ready_timeout:g}s: {_last_line(log_path)}")


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def start_forwarder(
    config_path: str, netns: str | None = None, log_path: str | None = None, ready_timeout: float = 5.0,
) -> subprocess.Popen:
    """Start a forwarder (in the network namespace `netns`, a name under /run/netns or a path).

    Returns once it has bound its listeners (its stats file names its pid); raises
    ForwarderError with its last log line if it exits first.
    """
    config = load_config(config_path)
    command = forwarder_command(config_path)
    if netns:
        netns_path = netns if "/" in netns else f"/run/netns/{netns}"
        command = ["nsenter", f"--net={netns_path}", "--", *command]
    log = open(log_path or os.devnull, "ab")
    try:
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    finally:
        log.close()
    _wait_ready(proc, config.stats, log_path, ready_timeout)
    return proc


def _wait_ready(proc: subprocess.Popen, stats_path: str, log_path: str | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            message = f"forwarder exited with status {proc.returncode}: {_last_line(log_path)}"
            raise ForwarderError(message, "fix what that line names")
        if not stats_path or read_stats(stats_path).get("pid") == proc.pid:
            return
        time.sleep(0.01)
    stop_forwarder(proc, 1.0)
    raise ForwarderError(f"forwarder did not start listening within {timeout:g}s: {_last_line(log_path)}")


def _last_line(log_path: str | None) -> str:
    try:
        lines = Path(log_path).read_text(errors="replace").splitlines() if log_path else []
    except OSError:
        lines = []
    return lines[-1] if lines else "no log"


def reload_forwarder(pid: int) -> None:
    os.kill(pid, signal.SIGHUP)


def stop_forwarder(proc: subprocess.Popen, timeout: float = 5.0) -> int:
    """SIGTERM, wait up to timeout (it gives connections shutdown_grace), then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def read_stats(path: str) -> dict[str, Any]:
    """The last stats a forwarder wrote, or {} if there are none (yet)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}
