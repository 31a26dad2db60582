"""A pre-loaded supervisor to fork from: one Python start per `compose` command, not one per container.

A supervisor's own start-up (interpreter and imports) is ~40-50 ms of CPU, as much as
runc's create+start of a small container; `up` of 50 services paid it 50 times on a
2-core machine. The runtime (runtime/launch.py) starts this process once, with the same
isolated interpreter a supervisor gets, and sends it one message per container: the state
dir, with the ready pipe's write end attached (SCM_RIGHTS), and for `compose run` the
container's standard input after it. For each, a forked child
leaves our session and runs shim.main exactly as a directly started supervisor would
(it forks once more and is nobody's child); we reap the first child at once.

It ends when the runtime's end of the socket closes (the command finished or was killed).
"""

from __future__ import annotations

import json
import os
import socket

from composer.shim.main import main as supervisor_main

MAX_MESSAGE = 4096


def serve(control_fd: int) -> int:
    control = socket.socket(fileno=control_fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 2)
        except (ConnectionResetError, InterruptedError):
            return 0
        if not message:
            return 0  # the runtime is done
        if not fds:
            continue
        _fork_supervisor(control, message.decode(), fds[0], fds[1:2])
        for fd in fds[2:]:
            os.close(fd)


def _fork_supervisor(control: socket.socket, state_dir: str, ready_fd: int, stdin: list[int]) -> None:
    try:
        pid = os.fork()
    except OSError as err:
        for fd in stdin:
            os.close(fd)
        _answer(ready_fd, {"ok": False, "error": f"cannot fork a supervisor: {err.strerror}"})
        return
    if pid == 0:
        code = 1
        try:
            control.close()
            os.setsid()
            code = supervisor_main(["shim", state_dir, str(ready_fd), *map(str, stdin)])
        finally:
            os._exit(code)
    os.close(ready_fd)
    for fd in stdin:
        os.close(fd)
    os.waitpid(pid, 0)  # it forks the supervisor and exits at once


def _answer(ready_fd: int, message: dict) -> None:
    try:
        os.write(ready_fd, (json.dumps(message) + "\n").encode())
    finally:
        os.close(ready_fd)
