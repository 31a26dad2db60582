"""`compose completion bash|zsh`: the scripts sourced in real shells, the completion function called
as the shell would (COMP_WORDS/COMP_CWORD), and what it offers checked."""

from __future__ import annotations

import os
import pty
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from composer.cli.completion_cmd import bash_script
from composer.cli.main import VERBS, build_parser

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_YAML = "services:\n  web: {image: busybox}\n  worker: {image: busybox}\n  db: {image: busybox}\n"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A project dir, and a `compose` on PATH that runs this checkout."""
    directory = tmp_path_factory.mktemp("completion")
    (directory / "compose.yaml").write_text(COMPOSE_YAML)
    (directory / "other.yaml").write_text("services:\n  solo: {image: busybox}\n")
    bin_dir = directory / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "compose"
    wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={shlex.quote(str(ROOT))} exec {shlex.quote(sys.executable)} -m composer \"$@\"\n")
    wrapper.chmod(0o755)
    for shell in ("bash", "zsh"):
        script = subprocess.run([wrapper, "completion", shell], capture_output=True, text=True, check=True).stdout
        (directory / f"completion.{shell}").write_text(script)
    return directory


def env_for(workdir: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{workdir / 'bin'}:{os.environ['PATH']}"}


def bash_complete(workdir: Path, line: str) -> list[str]:
    """What bash would offer for `line` (the cursor at its end; a trailing space starts a new word)."""
    words = line.split() + ([""] if line.endswith(" ") else [])
    program = (
        f"source {workdir / 'completion.bash'}\n"
        f"COMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        "_compose; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    result = subprocess.run(["bash", "-c", program], cwd=workdir, env=env_for(workdir), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [word for word in result.stdout.splitlines() if word]


def test_verbs_and_global_flags(workdir):
    assert bash_complete(workdir, "compose ") == list(VERBS)
    assert bash_complete(workdir, "compose ev") == ["events"]
    assert set(bash_complete(workdir, "compose --p")) == {"--project-name", "--project-directory", "--profile", "--progress", "--parallel"}
    assert bash_complete(workdir, "compose -p x --ansi ") == ["never", "always", "auto"]
    assert bash_complete(workdir, "compose -p x w") == ["wait", "watch"]  # -p's value is not the verb


def test_each_verbs_flags_come_from_the_parser(workdir):
    parser = build_parser()
    verbs = next(a for a in parser._actions if a.dest == "verb").choices
    for verb in ("ps", "events", "wait", "logs", "up"):
        expected = [f for a in verbs[verb]._actions for f in a.option_strings if f.startswith("--")]
        assert bash_complete(workdir, f"compose {verb} --") == expected
    assert bash_complete(workdir, "compose ps --format ") == ["table", "json"]
    assert bash_complete(workdir, "compose completion ") == ["bash", "zsh"]
    assert bash_complete(workdir, "compose logs -n ") == []  # a value, no words to offer


def test_service_names_from_config_with_the_typed_files(workdir):
    assert bash_complete(workdir, "compose logs ") == ["db", "web", "worker"]
    assert bash_complete(workdir, "compose stop w") == ["web", "worker"]
    assert bash_complete(workdir, "compose -f other.yaml events ") == ["solo"]
    assert bash_complete(workdir, "compose -f missing.yaml ps ") == []  # an error is quiet


def test_file_values_complete_paths(workdir):
    assert bash_complete(workdir, "compose -f oth") == ["other.yaml"]
    assert bash_complete(workdir, "compose --project-directory bi") == ["bin"]


def test_the_script_is_generated_not_written_by_hand():
    script = bash_script(build_parser())
    for verb in VERBS:
        assert f"        {verb}) echo " in script
    assert script.rstrip().endswith("complete -F _compose compose")


class InteractiveZsh:
    """An interactive `zsh -f` on a pseudo-terminal: keys in, screen text out, bounded waits."""

    def __init__(self, workdir: Path) -> None:
        self.master, follower = pty.openpty()
        env = {**env_for(workdir), "TERM": "dumb"}
        self.process = subprocess.Popen(
            ["zsh", "-f", "-i"], stdin=follower, stdout=follower, stderr=follower, cwd=workdir, env=env, start_new_session=True
        )
        os.close(follower)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def read_until(self, text: str, timeout: float = 20) -> str:
        screen, deadline = b"", time.monotonic() + timeout
        while text.encode() not in screen and time.monotonic() < deadline:
            if select.select([self.master], [], [], 0.2)[0]:
                screen += os.read(self.master, 4096)
        return screen.decode(errors="replace")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.master)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (scripts/setup-host.sh installs it)")
def test_zsh_completes_on_tab_in_an_interactive_shell(workdir):
    shell = InteractiveZsh(workdir)
    try:
        shell.type(f"PROMPT='%% '; source {workdir / 'completion.zsh'}; echo SOURCED\n")
        assert "SOURCED\r\n" in shell.read_until("SOURCED\r\n")
        shell.type("compose -f other.yaml logs \t")
        assert "logs solo " in shell.read_until("logs solo ")
        shell.type("\x15compose ev\t")  # ^U: a new line
        assert "compose events " in shell.read_until("compose events ")
        shell.type("\x15compose ps --format j\t")
        assert "--format json " in shell.read_until("--format json ")
    finally:
        shell.close()
