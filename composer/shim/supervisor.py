"""The supervisor's event loop: one container, from `runc create` to its final exit.

Single-threaded (but for the short-lived threads of tcp/http readiness probes, which
only connect and report through a pipe). Signals arrive through a wakeup fd, so select()
sees container output, probe output, SIGCHLD and stop requests alike. Timers: stop grace (then
SIGKILL), restart backoff, healthcheck and readiness schedules, and the short drain of the
container's pipes after its init exits.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import time

from composer.shim.cgroupfs import oom_kill_count
from composer.shim.config import CONSOLE_SOCKET, INIT_PID_FILE, RUNC_LOG, STATE_FILE, STOP_REQUEST, ShimConfig
from composer.shim.health import HealthChecks, HealthMonitor
from composer.shim.logsink import LogSink
from composer.shim.proc import exit_code_of, read_pid_file, signal_if_alive, spawn, wait_for, wait_for_exec
from composer.shim.restart import Backoff, should_restart
from composer.shim.runc_argv import RuncArgv
from composer.shim.state import ShimState, iso_time, own_identity, write_state

RUNC_TIMEOUT = 60.0  # runc create/start/delete; beyond this something is badly stuck
DRAIN_TIME = 2.0  # after init exits, how long we wait for the last output
READ_SIZE = 65536
START_FAILED_CODE = 128  # Docker reports a container that could not start this way


class StartFailed(Exception):
    pass


class Supervisor:
    def __init__(self, cfg: ShimConfig, logs: LogSink, stdin: int | None = None) -> None:
        self.cfg = cfg
        self.stdin = stdin  # `compose run`'s standard input, for the first start only
        self.logs = logs
        self.log = None  # the writer: opened before the container's process first runs
        self.runc = RuncArgv(cfg.runc, cfg.runc_root, RUNC_LOG)
        self.selector = selectors.DefaultSelector()
        shim_pid, shim_start = own_identity()
        self.state = ShimState(cfg.name, shim_pid=shim_pid, shim_start_time=shim_start)
        self.checks = self._health_checks()
        self.backoff = Backoff()
        self.init_pid: int | None = None
        self.started = 0.0
        self.stop_requested = False
        self.kill_at: float | None = None
        self.restart_at: float | None = None
        self.drops_saved_at = 0.0
        self.drain_until: float | None = None
        self.done = False

    # -- life cycle ----------------------------------------------------------

    def start_first(self) -> int:
        """Start the container once; raises StartFailed with runc's reason."""
        self._watch_signals()
        self._start_container()
        return self.init_pid or 0

    def run(self) -> None:
        while not self.done:
            timeout = self._next_timeout()
            for key, _ in self.selector.select(timeout):
                self._dispatch(key)
            self._run_timers(time.monotonic())
        self.selector.close()

    def record_start_failure(self, reason: str) -> None:
        self.state.status, self.state.error = "exited", reason
        self.state.exit_code, self.state.finished_at = START_FAILED_CODE, iso_time()
        self._save()

    def _health_checks(self) -> HealthChecks | None:
        command = HealthMonitor(self.cfg.healthcheck, self.runc, self.cfg.name, self.selector) if self.cfg.healthcheck else None
        readiness = None
        if self.cfg.readiness:  # only its users pay for the import (sockets, threads)
            from composer.shim.readiness import ReadinessMonitor

            readiness = ReadinessMonitor(self.cfg.readiness, self.selector)
        return HealthChecks(command, readiness) if command or readiness else None

    # -- starting ------------------------------------------------------------

    def _start_container(self) -> None:
        open(RUNC_LOG, "w").close()
        devnull = os.open(os.devnull, os.O_RDWR)
        console = open_console_socket() if self.cfg.tty else None
        try:
            self._runc_create(devnull, console)
            self._open_log()
            self._runc(self.runc.start(self.cfg.name), devnull, "start")
            wait_for_exec(self.init_pid)  # type: ignore[arg-type]
        except StartFailed:
            self._close_streams()
            self._runc_delete()
            raise
        finally:
            os.close(devnull)
            if console:
                console.close()
        self.started = time.monotonic()
        state = self.state
        state.status, state.pid, state.started_at = "running", self.init_pid, iso_time()
        state.exit_code, state.finished_at, state.oom_killed, state.error = None, None, False, None
        if self.checks:
            self.checks.container_started_now(self.init_pid)  # type: ignore[arg-type]
        self._save()

    def _open_log(self) -> None:
        try:
            self.log = self.logs.open()
        except Exception as exc:  # noqa: BLE001  (whatever the driver says, the start fails with it)
            text = exc.one_line() if hasattr(exc, "one_line") else str(exc)
            raise StartFailed(f"log driver {self.cfg.log_driver}: {text}") from None

    def _runc_create(self, devnull: int, console) -> None:
        if os.path.exists(INIT_PID_FILE):
            os.unlink(INIT_PID_FILE)
        argv = self.runc.create(self.cfg.name, self.cfg.state_dir, INIT_PID_FILE, CONSOLE_SOCKET if console else None)
        stdin, self.stdin = self.stdin, None  # a restart reads /dev/null, as Docker's
        if console:
            try:
                self._runc(argv, devnull, "create")
                try:
                    master = console.receive_master()
                except OSError as exc:
                    raise StartFailed(f"runc sent no terminal: {exc}") from None
                self._add_stream(master, "stdout")
            except StartFailed:
                if stdin is not None:
                    os.close(stdin)
                raise
            if stdin is not None:  # the terminal's input is copied from it (left blocking:
                # the file description is the caller's too; one read after select never blocks)
                self.selector.register(stdin, selectors.EVENT_READ, ("input", master))
        else:
            out_read, out_write = os.pipe()
            err_read, err_write = os.pipe()
            self._add_stream(out_read, "stdout")
            self._add_stream(err_read, "stderr")
            try:  # without a terminal runc passes its stdio through: the container reads stdin itself
                self._runc(argv, devnull, "create", stdout=out_write, stderr=err_write, stdin=stdin)
            finally:
                os.close(out_write)
                os.close(err_write)
                if stdin is not None:
                    os.close(stdin)
        self.init_pid = read_pid_file(INIT_PID_FILE)
        if self.init_pid is None:
            raise StartFailed("runc create wrote no pid file")

    def _runc(
        self, argv: list[str], devnull: int, verb: str, stdout: int | None = None, stderr: int | None = None, stdin: int | None = None
    ) -> None:
        pid = spawn(argv, devnull if stdin is None else stdin, devnull if stdout is None else stdout, devnull if stderr is None else stderr)
        code = wait_for(pid, RUNC_TIMEOUT)
        if code is None:
            signal_if_alive(pid, signal.SIGKILL)
            wait_for(pid)
            raise StartFailed(f"runc {verb} did not finish within {RUNC_TIMEOUT:g}s")
        if code != 0:
            reason = last_runc_error().removeprefix(f"runc {verb} failed: ") or f"exit status {code}"
            raise StartFailed(f"runc {verb} failed: {reason}")

    def _runc_delete(self) -> None:
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            pid = spawn(self.runc.delete(self.cfg.name, force=True), devnull, devnull, devnull)
            if wait_for(pid, RUNC_TIMEOUT) is None:
                signal_if_alive(pid, signal.SIGKILL)
                wait_for(pid)
        finally:
            os.close(devnull)
        self.init_pid = None

    # -- events --------------------------------------------------------------

    def _watch_signals(self) -> None:
        read_end, write_end = os.pipe()
        os.set_blocking(read_end, False)
        os.set_blocking(write_end, False)
        signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, lambda *_: None)  # the wakeup fd carries the news
        self.selector.register(read_end, selectors.EVENT_READ, ("signals", None))

    def _dispatch(self, key: selectors.SelectorKey) -> None:
        kind, detail = key.data
        if kind == "signals":
            for signum in os.read(key.fd, 256):
                self._on_signal(signum)
        elif kind == "stream":
            self._read_stream(key.fd, detail)
        elif kind == "input":
            self._copy_input(key.fd, detail)
        elif kind == "probe" and self.checks and self.checks.on_readable(key.fd):
            self._save()

    def _on_signal(self, signum: int) -> None:
        if signum == signal.SIGCHLD:
            self._reap()
        elif signum in (signal.SIGTERM, signal.SIGINT):
            self._request_stop()

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if pid == self.init_pid:
                self._container_exited(exit_code_of(status))
            elif self.checks and self.checks.on_exit(pid, exit_code_of(status)):
                self._save()

    def _request_stop(self) -> None:
        self.stop_requested = True
        if self.init_pid is not None:
            grace = read_stop_timeout(self.cfg.stop_grace)
            signal_if_alive(self.init_pid, signal.SIGKILL if grace <= 0 else self.cfg.stop_signal)
            self.kill_at = time.monotonic() + grace
        elif self.restart_at is not None:  # waiting to restart: just do not
            self.restart_at = None
            self.state.status = "exited"
            self._save()
            self.done = True

    # -- exits and restarts --------------------------------------------------

    def _container_exited(self, exit_code: int) -> None:
        state = self.state
        state.exit_code, state.finished_at = exit_code, iso_time()
        state.oom_killed = oom_kill_count(self.cfg.cgroup_path) > 0
        state.pid = self.init_pid = None  # reaped: the pid may be reused, never signal it again
        self.kill_at = None
        if self.checks:
            self.checks.container_stopped()
        self.drain_until = time.monotonic() + DRAIN_TIME
        if not self._streams():
            self._after_exit()

    def _after_exit(self) -> None:
        self.drain_until = None
        self._close_streams()
        self._runc_delete()
        state = self.state
        state.status = "exited"
        self.stop_requested = self.stop_requested or os.path.exists(STOP_REQUEST)
        assert state.exit_code is not None
        if should_restart(self.cfg.restart, state.exit_code, state.restart_count, self.stop_requested):
            state.status = "restarting"
            self.restart_at = time.monotonic() + self.backoff.next_delay(time.monotonic() - self.started)
        else:
            self.done = True
        self._save()

    def _restart(self) -> None:
        self.restart_at = None
        self.state.restart_count += 1
        try:
            self._start_container()
        except StartFailed as failure:
            self.state.exit_code, self.state.error = START_FAILED_CODE, str(failure)
            self.started = time.monotonic()
            self._after_exit()

    # -- timers --------------------------------------------------------------

    def _next_timeout(self) -> float | None:
        deadlines = [d for d in (self.kill_at, self.restart_at, self.drain_until) if d is not None]
        if self.checks:
            deadlines += self.checks.deadlines()
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _run_timers(self, now: float) -> None:
        if self.kill_at is not None and now >= self.kill_at:
            self.kill_at = None
            signal_if_alive(self.init_pid, signal.SIGKILL)
        if self.drain_until is not None and (now >= self.drain_until or not self._streams()):
            self._after_exit()
        if self.restart_at is not None and now >= self.restart_at:
            self._restart()
        if self.checks and self.checks.tick(now):
            self._save()

    # -- output --------------------------------------------------------------

    def _add_stream(self, fd: int, name: str) -> None:
        os.set_blocking(fd, False)
        self.selector.register(fd, selectors.EVENT_READ, ("stream", name))

    def _streams(self) -> list[int]:
        return [key.fd for key in self.selector.get_map().values() if key.data[0] == "stream"]

    def _read_stream(self, fd: int, name: str) -> None:
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:  # a pty master reads EIO once the container side is closed
            data = b""
        if data:
            self.log.write(name, data)
            if self.checks and self.checks.on_output(name, data):
                self._save()
            elif self.logs.dropped != self.state.log_dropped and time.monotonic() >= self.drops_saved_at + 1.0:
                self.drops_saved_at = time.monotonic()  # ps shows drops within a second, without a save per read
                self._save()
        else:
            if self.cfg.tty:
                self._close_input()  # its terminal is this fd: never write to a reused number
            self.selector.unregister(fd)
            os.close(fd)

    def _copy_input(self, fd: int, terminal: int) -> None:
        """A tty container's input: what the caller types, to its terminal."""
        try:
            data = os.read(fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._close_input()
            return
        try:
            while data:
                data = data[os.write(terminal, data):]
        except OSError:
            pass  # the terminal is full or gone: typed-ahead input is dropped, as a full pty does

    def _close_input(self) -> None:
        for key in list(self.selector.get_map().values()):
            if key.data[0] == "input":
                self.selector.unregister(key.fd)
                os.close(key.fd)

    def _close_streams(self) -> None:
        self._close_input()
        for fd in self._streams():
            self.selector.unregister(fd)
            os.close(fd)

    def _save(self) -> None:
        if self.checks and self.state.started_at:  # Docker keeps the last record after an exit
            self.state.health = self.checks.record()
        self.state.log_dropped = self.logs.dropped
        write_state(STATE_FILE, self.state)


def open_console_socket():
    """Only tty containers pay for the socket module."""
    from composer.shim.console import ConsoleSocket

    return ConsoleSocket()


def read_stop_timeout(default: float) -> float:
    """The grace period of a pending stop request (runtime.stop may override the spec's)."""
    try:
        with open(STOP_REQUEST) as handle:
            timeout = json.load(handle).get("timeout")
    except (OSError, ValueError):
        return default
    return default if timeout is None else float(timeout)


def last_runc_error() -> str:
    """The msg of runc's last error line in its json log."""
    try:
        with open(RUNC_LOG) as handle:
            lines = handle.read().splitlines()
    except OSError:
        return ""
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("level") in ("error", "fatal"):
            return str(entry.get("msg", "")).strip()
    return ""
