"""A single-threaded epoll loop: edge-triggered fds, timers, deferred work and closes, signals.

Sockets are registered once, edge-triggered, for reading and writing; their owners keep
"readable"/"writable" flags that an event sets and an EAGAIN clears. That costs one
epoll_ctl per socket per lifetime, and every event is O(1).

Sockets are closed at the end of the event batch that asked for it, so a number freed by
close() cannot be reused by accept() while stale events for the old socket are pending.
"""

from __future__ import annotations

import heapq
import os
import select
import signal
import socket
from collections import deque
from time import monotonic
from typing import Callable

EPOLLIN = select.EPOLLIN
EPOLLOUT = select.EPOLLOUT
EPOLLERR = select.EPOLLERR
EPOLLHUP = select.EPOLLHUP
EDGE_IN = select.EPOLLIN | select.EPOLLET
EDGE_IN_OUT = select.EPOLLIN | select.EPOLLOUT | select.EPOLLET
COMPACT_AFTER = 1024  # cancelled timers tolerated in the heap before it is rebuilt

Handler = Callable[[int], None]


class Timer:
    __slots__ = ("deadline", "callback", "active")

    def __init__(self, deadline: float, callback: Callable[[], None]) -> None:
        self.deadline = deadline
        self.callback = callback
        self.active = True


class EventLoop:
    def __init__(self, on_error: Callable[[BaseException], None]) -> None:
        self._epoll = select.epoll()
        self.handlers: dict[int, Handler] = {}
        self._timers: list[tuple[float, int, Timer]] = []
        self._cancelled = 0
        self._seq = 0
        self._soon: deque[Callable[[], None]] = deque()
        self._closing: list[socket.socket] = []
        self._signal_callbacks: dict[int, Callable[[], None]] = {}
        self._wakeup_r = -1
        self._on_error = on_error
        self.now = monotonic()
        self.running = False

    def watch(self, fd: int, handler: Handler, events: int = EDGE_IN_OUT) -> None:
        self._epoll.register(fd, events)
        self.handlers[fd] = handler

    def close_socket(self, sock: socket.socket) -> None:
        """Stop dispatching events for sock; close it once the current batch is done."""
        self.handlers.pop(sock.fileno(), None)
        self._closing.append(sock)

    def close_listener(self, sock: socket.socket) -> None:
        """Close now, so a reload can bind the same address at once. A stale event for the
        number reaching a socket that reuses it only makes that socket try a read and
        find EAGAIN."""
        self.handlers.pop(sock.fileno(), None)
        sock.close()

    def call_soon(self, callback: Callable[[], None]) -> None:
        self._soon.append(callback)

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.call_at(self.now + delay, callback)

    def call_at(self, deadline: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(deadline, callback)
        self._seq += 1
        heapq.heappush(self._timers, (deadline, self._seq, timer))
        return timer

    def cancel(self, timer: Timer | None) -> None:
        if timer is None or not timer.active:
            return
        timer.active = False
        self._cancelled += 1
        if self._cancelled > COMPACT_AFTER and self._cancelled * 2 > len(self._timers):
            self._timers = [entry for entry in self._timers if entry[2].active]
            heapq.heapify(self._timers)
            self._cancelled = 0

    def on_signals(self, callbacks: dict[int, Callable[[], None]]) -> None:
        """Run callbacks from the loop (not from a signal handler) when these signals come."""
        if self._wakeup_r < 0:
            self._wakeup_r, wakeup_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            signal.set_wakeup_fd(wakeup_w, warn_on_full_buffer=False)
            self.watch(self._wakeup_r, self._read_signals, EDGE_IN)
        for signum, callback in callbacks.items():
            self._signal_callbacks[signum] = callback
            signal.signal(signum, _ignore)

    def _read_signals(self, _mask: int) -> None:
        while True:
            try:
                data = os.read(self._wakeup_r, 64)
            except BlockingIOError:
                return
            for signum in data:
                callback = self._signal_callbacks.get(signum)
                if callback is not None:
                    callback()

    def run(self) -> None:
        self.running = True
        while self.running:
            self.run_once()
        self._close_pending()

    def stop(self) -> None:
        self.running = False

    def run_once(self) -> None:
        events = self._epoll.poll(self._poll_timeout())
        self.now = monotonic()
        handlers = self.handlers
        for fd, mask in events:
            handler = handlers.get(fd)
            if handler is not None:
                self._call(handler, mask)
        for _ in range(len(self._soon)):
            self._call(self._soon.popleft())
        self._run_due_timers()
        self._close_pending()

    def _call(self, callback: Callable, *args: int) -> None:
        try:
            callback(*args)
        except Exception as exc:  # a bug in one connection must not drop all the others
            self._on_error(exc)

    def _poll_timeout(self) -> float:
        if self._soon:
            return 0
        if not self._timers:
            return -1
        return max(0.0, self._timers[0][0] - monotonic())

    def _run_due_timers(self) -> None:
        timers = self._timers
        while timers and timers[0][0] <= self.now:
            timer = heapq.heappop(timers)[2]
            if timer.active:
                timer.active = False
                self._call(timer.callback)
            else:
                self._cancelled -= 1

    def _close_pending(self) -> None:
        closing, self._closing = self._closing, []
        for sock in closing:
            sock.close()

    def close(self) -> None:
        self._close_pending()
        self._epoll.close()


def _ignore(_signum: int, _frame: object) -> None:
    """The wakeup fd carries the signal; this only replaces the default action."""
