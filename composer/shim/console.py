"""The tty case: runc hands over the pty master through --console-socket (SCM_RIGHTS)."""

from __future__ import annotations

import array
import os
import socket

from composer.shim.config import CONSOLE_SOCKET


class ConsoleSocket:
    """A listening unix socket in the shim's cwd, the state dir: runc runs there too, so the
    relative name works and stays far below the 108-byte sun_path limit."""

    def __init__(self) -> None:
        if os.path.exists(CONSOLE_SOCKET):
            os.unlink(CONSOLE_SOCKET)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(CONSOLE_SOCKET)
        self.sock.listen(1)

    def receive_master(self, timeout: float = 10.0) -> int:
        """runc connected and sent the fd while `runc create` ran; it waits in the backlog."""
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        with conn:
            fds = array.array("i")
            _, ancdata, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        if not fds:
            raise OSError("runc sent no terminal over the console socket")
        return fds[0]

    def close(self) -> None:
        self.sock.close()
        try:
            os.unlink(CONSOLE_SOCKET)
        except FileNotFoundError:
            pass
