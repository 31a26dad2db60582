"""The live progress block on a real terminal: `compose up -d`, attached `up` and `down` run in a
private tmux server (a real pty, rendered by tmux), and the final screen is read back."""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time

import pytest

from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project"]
pytestmark = [pytest.mark.needs_root, pytest.mark.skipif(not shutil.which("tmux"), reason="needs tmux")]

WIDTH, HEIGHT = 100, 40
THREE = "services:\n" + "".join(
    f"  s{i}:\n    image: {BUSYBOX_REF}\n    network_mode: none\n    command: [sleep, '600']\n" for i in range(3)
)
SIX = "services:\n" + "".join(
    f"  s{i}:\n    image: {BUSYBOX_REF}\n    network_mode: none\n    command: [sleep, '600']\n" for i in range(6)
)
TALKERS = "services:\n" + "".join(
    f"  t{i}:\n    image: {BUSYBOX_REF}\n    network_mode: none\n    command: [sh, -c, 'echo hello from t{i}']\n" for i in range(2)
)


class Tmux:
    """One private tmux server (its own socket), killed at teardown."""

    def __init__(self) -> None:
        self.socket = f"composer-test-{secrets.token_hex(4)}"

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10, check=True).stdout

    def run(self, command: list[str], cwd: str, timeout: float = 90, height: int = HEIGHT) -> list[str]:
        """Run `command` in a fresh window; its screen and scrollback once it ended, trailing blanks dropped."""
        env = " ".join(f"{k}={shlex.quote(v)}" for k, v in os.environ.items() if k.startswith("COMPOSER_"))
        script = f"cd {shlex.quote(cwd)} && env TERM=xterm-256color {env} {shlex.join(command)}; echo __EXIT $?; sleep 300"
        self.tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(height), "sh", "-c", script)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.tmux("capture-pane", "-p", "-S", "-").rstrip("\n").splitlines()
            if any(line.startswith("__EXIT") for line in screen):
                self.tmux("kill-session")
                return [line.rstrip() for line in screen]
            time.sleep(0.2)
        raise AssertionError(f"{command} did not end in {timeout}s:\n" + self.tmux("capture-pane", "-p"))

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def tmux():
    server = Tmux()
    yield server
    server.close()


def compose(project, *args: str) -> list[str]:
    return [sys.executable, "-m", "composer", "-p", project.name, *args]


def block(screen: list[str]) -> tuple[str, list[str]]:
    """The header of the last progress block on the screen and its lines."""
    start = max(i for i, line in enumerate(screen) if line.startswith("[+] "))
    rows = []
    for line in screen[start + 1:]:
        if not line.startswith(" ") or line.startswith("   …"):
            break
        rows.append(line)
    return screen[start], rows


def test_up_detached_and_down_draw_one_done_line_per_container(project, tmux) -> None:
    project.write(THREE)
    screen = tmux.run(compose(project, "up", "-d"), str(project.dir))
    assert "__EXIT 0" in screen, screen
    header, rows = block(screen)
    containers = [row for row in rows if row.split()[1:2] == ["Container"]]
    assert header == f"[+] Running {len(rows)}/{len(rows)}", screen
    assert sorted(row.split()[2] for row in containers) == [f"{project.name}-s{i}-1" for i in range(3)]
    assert all(row.split()[0] == "✔" and row.split()[3] == "Started" for row in containers), screen
    assert all(len(row) <= WIDTH and row.endswith("s") for row in rows)
    assert sum(line.startswith("[+] ") for line in screen) == 1  # redrawn in place, not scrolled
    screen = tmux.run(compose(project, "down"), str(project.dir))
    header, rows = block(screen)
    assert header == f"[+] Running {len(rows)}/{len(rows)}" and len(rows) >= 3, screen
    assert sum(row.split()[0] == "✔" and row.split()[-2] == "Removed" for row in rows) >= 3, screen
    assert not project.containers()


def test_a_block_taller_than_the_screen_never_scrolls_while_live(project, tmux) -> None:
    project.write(SIX)
    screen = tmux.run(compose(project, "up", "-d"), str(project.dir), height=5)
    assert "__EXIT 0" in screen, screen
    assert sum(line.startswith("[+] ") for line in screen) == 1, screen  # scrollback included
    header, rows = block(screen)
    assert header == "[+] Running 6/6" and len(rows) == 6, screen  # the final frame has every line


def test_attached_up_finishes_the_block_before_the_first_log_line(project, tmux) -> None:
    project.write(TALKERS)
    screen = tmux.run(compose(project, "up"), str(project.dir))
    assert "__EXIT 0" in screen, screen
    logs = [i for i, line in enumerate(screen) if "| hello from t" in line]
    assert len(logs) == 2, screen
    first_header = min(i for i, line in enumerate(screen) if line.startswith("[+] "))
    header, rows = block(screen[: logs[0]])
    assert first_header < logs[0] and header == f"[+] Running {len(rows)}/{len(rows)}", screen
    for index in logs:  # whole lines: no spinner or timer drawn into them
        assert screen[index].split("|")[1].strip() in ("hello from t0", "hello from t1"), screen


def test_without_a_terminal_the_lines_are_plain(project) -> None:
    project.write(THREE)
    result = project.compose("up", "-d", check=True)
    assert "\x1b" not in result.stderr and "[+]" not in result.stderr
    assert f" Container {project.name}-s0-1  Started" in result.stderr
    forced = project.compose("down", "--progress", "tty", check=True)  # forced: live even into a pipe
    assert "[+] Running" in forced.stderr and "\x1b[" in forced.stderr
