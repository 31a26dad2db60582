"""`compose run` attached: the one-off's output on our stdout and stderr until it exits.

Its output is read back from its log as it is written (the supervisor owns its stdio);
stdout records go to our stdout and stderr records to our stderr, as Compose does without
a terminal. With a terminal ours is put in raw mode, so keys reach the container's as typed
(the supervisor copies our stdin to it) and its output comes back as the terminal wrote it.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time

POLL = 0.05


def attached(engine, name: str, tty: bool) -> int | None:
    """Stream the container's output until it exits; its exit code (None if unknown)."""
    done = threading.Event()
    follower = _Follower(engine.log_reader(name), done, tty)
    thread = threading.Thread(target=follower.pump, daemon=True, name=f"run-{name}")
    with _raw_terminal(tty):
        thread.start()
        try:
            while engine.runtime.inspect(name).status not in ("exited", "dead"):
                time.sleep(POLL)
        except KeyboardInterrupt:
            engine.runtime.stop(name, 1)
        done.set()
        thread.join(timeout=10)
    return engine.runtime.inspect(name).exit_code


class _Follower:
    def __init__(self, reader, done: threading.Event, tty: bool) -> None:
        self.reader, self.done, self.tty = reader, done, tty
        self.count = 0
        self.seen = -1

    def stop(self) -> bool:
        """After the exit, once a pass of the reader brought nothing new: the log is complete
        when the container is exited (the supervisor drains its pipes first)."""
        if not self.done.is_set():
            return False
        idle, self.seen = self.seen == self.count, self.count
        return idle

    def pump(self) -> None:
        outs = {"stdout": sys.stdout.buffer, "stderr": sys.stderr.buffer}
        for record in self.reader.follow(self.stop, tail=None):
            self.count += 1
            out = outs["stdout" if self.tty else record.stream]
            out.write(record.text.encode("utf-8", "replace") + b"\n")  # a terminal's lines end in \r already
            out.flush()


@contextlib.contextmanager
def _raw_terminal(tty: bool):
    if not tty:
        yield
        return
    import termios
    import tty as tty_module

    saved = termios.tcgetattr(sys.stdin.fileno())
    try:
        tty_module.setraw(sys.stdin.fileno())
        yield
    finally:
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, saved)
