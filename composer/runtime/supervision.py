"""Talking to a running supervisor from the outside: is it alive, ask it to stop, wait for it.

Requests are files plus a signal: stop-request (JSON) says the next exit is final and,
for a stop, how long the grace is; SIGTERM to the shim starts the stop. A pidfd lets
us wait for a process that is not our child without polling.
"""

from __future__ import annotations

import json
import os
import select
import signal
import time

from composer.runtime.layout import ContainerPaths
from composer.shim.config import write_atomically
from composer.shim.state import ShimState, is_alive, process_start_time


def supervisor_alive(state: ShimState | None) -> bool:
    return state is not None and is_alive(state.shim_pid, state.shim_start_time)


def request_final_exit(paths: ContainerPaths, timeout: float | None) -> None:
    """No restart after the next exit; a stop's grace period (None: the spec's)."""
    write_atomically(str(paths.stop_request), json.dumps({"timeout": timeout}))


def clear_final_exit(paths: ContainerPaths) -> None:
    try:
        paths.stop_request.unlink()
    except FileNotFoundError:
        pass


def signal_supervisor(state: ShimState, signum: int) -> None:
    if supervisor_alive(state):
        try:
            os.kill(state.shim_pid, signum)  # type: ignore[arg-type]
        except ProcessLookupError:
            pass


def wait_for_exit(pid: int | None, start_time: int | None, timeout: float) -> bool:
    """True once the process (pid, start_time) is gone; False if it outlives timeout."""
    if pid is None or not is_alive(pid, start_time):
        return True
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        if process_start_time(pid) != start_time:  # exited, and the pid was reused, before we opened it
            return True
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if select.select([pidfd], [], [], remaining)[0]:
                return True
    finally:
        os.close(pidfd)


def kill_supervisor(state: ShimState) -> None:
    """Last resort, when it does not answer a stop request."""
    signal_supervisor(state, signal.SIGKILL)
    wait_for_exit(state.shim_pid, state.shim_start_time, 5.0)
