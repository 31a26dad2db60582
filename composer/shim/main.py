"""Entry point: `python -I -m composer.shim <state-dir> [ready-fd [stdin-fd]]`.

Detaches (fork; the runtime already put us in a new session with stdio on /dev/null),
becomes child subreaper, takes the container's supervisor lock, starts the container
and tells the waiting runtime how that went through the ready fd (one JSON line),
then supervises until the container's final exit.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time

from composer.shim.config import LOCK_FILE, SHIM_LOG, load_shim_config
from composer.shim.logsink import LogSink
from composer.shim.proc import become_subreaper
from composer.shim.supervisor import StartFailed, Supervisor

SHIM_LOG_LIMIT = 64 * 1024


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -I -m composer.shim <state-dir> [ready-fd [stdin-fd]]", file=sys.stderr)
        return 2
    os.chdir(argv[1])
    ready_fd = int(argv[2]) if len(argv) > 2 else None
    if ready_fd is not None:
        os.set_inheritable(ready_fd, False)  # runc and the container must not hold it open
    stdin_fd = int(argv[3]) if len(argv) > 3 else None  # `compose run`: the caller's stdin
    if stdin_fd is not None:
        os.set_inheritable(stdin_fd, False)  # given to runc create explicitly, once
    if os.fork() > 0:
        os._exit(0)  # the runtime waits for this one; the supervisor lives on, orphaned
    try:
        return supervise(ready_fd, stdin_fd)
    except Exception as exc:  # the last word goes to shim.log, never to a closed stderr
        import traceback  # only now: it costs memory for the shim's whole life

        complain("".join(traceback.format_exception(exc)))
        report(ready_fd, {"ok": False, "error": f"supervisor crashed: {exc}"})
        return 1


def supervise(ready_fd: int | None, stdin_fd: int | None = None) -> int:
    lock = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        report(ready_fd, {"ok": False, "error": "another supervisor is running for this container"})
        return 1
    become_subreaper()
    cfg = load_shim_config(".")
    logs = LogSink(cfg)
    supervisor = Supervisor(cfg, logs, stdin_fd)
    try:
        try:
            pid = supervisor.start_first()
        except StartFailed as failure:
            supervisor.record_start_failure(str(failure))
            report(ready_fd, {"ok": False, "error": str(failure)})
            return 1
        report(ready_fd, {"ok": True, "pid": pid})
        supervisor.run()
    finally:
        logs.close()
    return 0


def report(ready_fd: int | None, message: dict) -> None:
    if ready_fd is None:
        return
    try:
        os.write(ready_fd, (json.dumps(message) + "\n").encode())
        os.close(ready_fd)
    except OSError:
        pass  # the runtime gave up waiting; state.json still tells the story


def complain(text: str) -> None:
    """Append to shim.log, keeping it small."""
    try:
        if os.path.getsize(SHIM_LOG) > SHIM_LOG_LIMIT:
            os.truncate(SHIM_LOG, 0)
    except OSError:
        pass
    with open(SHIM_LOG, "a") as handle:
        handle.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {text.rstrip()}\n")
