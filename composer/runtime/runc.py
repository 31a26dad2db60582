"""The runc CLI for the runtime side (the shim runs create/start itself).

Every failure becomes one RuntimeFailure line naming the container and runc's last
stderr line. "Does not exist" is not an error for delete, and is None for state.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from composer.errors import RuntimeFailure
from composer.shim.runc_argv import RuncArgv

TIMEOUT = 60.0
_MSG = re.compile(r'msg="((?:[^"\\]|\\.)*)"')
_MISSING = ("does not exist", "not found", "no such")


def find_runc() -> str:
    path = shutil.which("runc")
    if path is None:
        raise RuntimeFailure("runc is not installed", "install the Debian package runc (scripts/setup-host.sh)")
    return path


def last_error_line(stderr: str) -> str:
    """runc prints logrus lines (time=… level=error msg="…") or plain text; keep the message."""
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    if not lines:
        return "no error message"
    match = _MSG.search(lines[-1])
    return match.group(1).replace('\\"', '"') if match else lines[-1].strip()


class Runc:
    def __init__(self, root: Path, binary: str | None = None) -> None:
        self.root = Path(root)
        self.binary = binary or find_runc()
        self.argv = RuncArgv(self.binary, str(self.root))

    def state(self, name: str) -> dict[str, Any] | None:
        """runc's view (status created/running/paused/stopped, pid), or None if it has none."""
        result = self._run(self.argv.state(name), name, "state", missing_ok=True)
        return json.loads(result.stdout) if result and result.stdout.strip() else None

    def kill(self, name: str, signal: str | int, all_processes: bool = False) -> None:
        self._run(self.argv.kill(name, signal, all_processes), name, "kill")

    def delete(self, name: str) -> None:
        """Force-delete (kills what still runs); nothing to delete is fine."""
        self._run(self.argv.delete(name, force=True), name, "delete", missing_ok=True)

    def pause(self, name: str) -> None:
        self._run(self.argv.pause(name), name, "pause")

    def resume(self, name: str) -> None:
        self._run(self.argv.resume(name), name, "resume")

    def ps(self, name: str) -> list[int]:
        result = self._run(self.argv.ps(name), name, "ps")
        return json.loads(result.stdout or "[]") if result else []

    def exec(
        self,
        name: str,
        args: Sequence[str],
        *,
        tty: bool,
        user: tuple[int, int] | None,
        additional_gids: Sequence[int],
        cwd: str | None,
        env: Sequence[str],
        caps: Sequence[str] = (),
    ) -> int:
        """Run args in the container with our stdio; returns its exit code."""
        argv = self.argv.exec(name, args, tty=tty, user=user, additional_gids=additional_gids, cwd=cwd, env=env, caps=caps)
        return subprocess.run(argv, check=False).returncode

    def _run(self, argv: list[str], name: str, verb: str, missing_ok: bool = False):
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeFailure(f"container {name}: runc {verb} did not answer within {TIMEOUT:g}s") from None
        if result.returncode == 0:
            return result
        message = last_error_line(result.stderr)
        if missing_ok and any(word in message.lower() for word in _MISSING):
            return None
        raise RuntimeFailure(f"container {name}: runc {verb} failed: {message}")
