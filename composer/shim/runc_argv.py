"""runc command lines, built in one place for the shim (posix_spawn) and the runtime (subprocess).

Pure: no process is started here, so the shim can use it without importing subprocess.
"""

from __future__ import annotations

from collections.abc import Sequence


class RuncArgv:
    def __init__(self, runc: str, root: str, log_file: str | None = None) -> None:
        self.runc = runc
        self.root = root
        self.log_file = log_file

    def _base(self) -> list[str]:
        argv = [self.runc, "--root", self.root]
        if self.log_file:
            argv += ["--log", self.log_file, "--log-format", "json"]
        return argv

    def create(self, name: str, bundle: str, pid_file: str, console_socket: str | None = None) -> list[str]:
        argv = self._base() + ["create", "--bundle", bundle, "--pid-file", pid_file]
        if console_socket:
            argv += ["--console-socket", console_socket]
        return argv + [name]

    def run_detached(self, name: str, bundle: str) -> list[str]:
        return self._base() + ["run", "--detach", "--bundle", bundle, name]

    def start(self, name: str) -> list[str]:
        return self._base() + ["start", name]

    def state(self, name: str) -> list[str]:
        return self._base() + ["state", name]

    def kill(self, name: str, signal: str | int, all_processes: bool = False) -> list[str]:
        return self._base() + ["kill"] + (["--all"] if all_processes else []) + [name, str(signal)]

    def delete(self, name: str, force: bool = False) -> list[str]:
        return self._base() + ["delete"] + (["--force"] if force else []) + [name]

    def pause(self, name: str) -> list[str]:
        return self._base() + ["pause", name]

    def resume(self, name: str) -> list[str]:
        return self._base() + ["resume", name]

    def ps(self, name: str) -> list[str]:
        return self._base() + ["ps", "--format", "json", name]

    def exec(
        self,
        name: str,
        args: Sequence[str],
        *,
        tty: bool = False,
        user: tuple[int, int] | None = None,
        additional_gids: Sequence[int] = (),
        cwd: str | None = None,
        env: Sequence[str] = (),
        pid_file: str | None = None,
        caps: Sequence[str] = (),
    ) -> list[str]:
        argv = self._base() + ["exec"]
        if tty:
            argv.append("--tty")
        if user is not None:
            argv += ["--user", f"{user[0]}:{user[1]}"]
        for gid in additional_gids:
            argv += ["--additional-gids", str(gid)]
        if cwd:
            argv += ["--cwd", cwd]
        for item in env:
            argv += ["--env", item]
        if pid_file:
            argv += ["--pid-file", pid_file]
        for cap in caps:  # added to the process's bounding, effective and permitted sets
            argv += ["--cap", cap]
        return argv + [name, *args]
