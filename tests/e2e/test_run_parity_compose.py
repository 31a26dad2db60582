"""`compose run` side by side with Compose v2 (2.40, the reference binary) on a private
Docker engine: what a never-up project gets, stdin, -i/-T/-t, kept one-offs and their
names, exit codes, stdout and stderr apart, -e/-w/-u/--entrypoint/-v/--name/-d, and who
answers to the service's name with and without --use-aliases.

Skips with the reason when dockerd or the reference binary cannot be had here."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from tests.support.compose_reference import masked, twin
from tests.support.images import BUSYBOX_REF

pytest_plugins = ["tests.support.project", "tests.support.compose_reference"]
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]

FILES = f"""
services:
  db:
    image: {BUSYBOX_REF}
    command: [sleep, "600"]
    volumes: [data:/data]
  app:
    image: {BUSYBOX_REF}
    depends_on: [db]
    volumes: [data:/data]
    networks:
      default:
        aliases: [appalias]
volumes:
  data: {{}}
"""


@pytest.fixture
def both(reference_engine, project, tmp_path):
    project, reference = twin(reference_engine, tmp_path, project, FILES)
    yield project, reference
    one_offs = reference.compose("ps", "-aq", check=False).stdout.split()
    reference.compose("down", "-v", "-t", "0", "--remove-orphans", check=False)
    if one_offs:  # Compose's down leaves running one-offs
        reference.engine.docker("rm", "-f", *one_offs, check=False)


def each(pair, *args: str, input: str | None = None) -> list[subprocess.CompletedProcess]:
    """The same command run by composer, then by Compose v2."""
    project, reference = pair
    return [project.compose(*args, input=input), reference.compose(*args, input=input, check=False)]


def names_and_states(pair) -> list[list[str]]:
    """`ps -a` per tool: "name state" lines, project masked, one-off hex as HEX, sorted."""
    found = []
    for result, tool in zip(each(pair, "ps", "-a", "--format", "{{.Name}} {{.State}}"), pair):
        lines = masked(result.stdout, tool.name).splitlines()
        found.append(sorted(re.sub(r"-run-[0-9a-f]{12}\b", "-run-HEX", line) for line in lines))
    return found


def test_a_never_up_project_gets_its_network_volume_and_dependencies(both):
    ours, theirs = each(both, "run", "--rm", "app", "sh", "-c", "echo kept > /data/f; cat /data/f")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout) == (0, "kept\n")
    mine, reference = names_and_states(both)
    assert mine == reference == ["PROJECT-db-1 running"]
    project, ref = both
    assert masked(project.compose("volumes", "-q").stdout, project.name) == masked(ref.compose("volumes", "-q").stdout, ref.name)


def test_no_deps_stdin_exit_code_and_kept_one_off(both):
    for result in each(both, "run", "--rm", "--no-deps", "app", "cat", input="hi\n"):
        assert (result.returncode, result.stdout) == (0, "hi\n")
    for result in each(both, "run", "--rm", "--no-deps", "--interactive=false", "app", "cat", input="hi\n"):
        assert (result.returncode, result.stdout) == (0, "")
    ours, theirs = each(both, "run", "--no-deps", "app", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout) == (3, "out\n")
    assert "err\n" in ours.stderr and "err\n" in theirs.stderr
    mine, reference = names_and_states(both)
    assert mine == reference == ["PROJECT-app-run-HEX exited"]


def test_tty_follows_stdin_and_flags(both, tmp_path):
    project, reference = both
    for flags, expected in (((), r"/dev/pts/\d+"), (("-T",), "not a tty")):
        outputs = []
        for tool, env in ((project, None), (reference, reference.env())):
            command = shlex.join(tool.argv("run", "--rm", "--no-deps", *flags, "app", "tty"))
            result = subprocess.run(["script", "-qec", command, "/dev/null"], cwd=tool.dir, env=env,
                                    capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
            found = re.search(r"/dev/pts/\d+|not a tty", result.stdout)  # among the terminal's control codes
            outputs.append(found and re.fullmatch(expected, found.group()) is not None)
        assert outputs == [True, True], flags
    for result in each(both, "run", "--rm", "--no-deps", "-t", "app", "true", input=""):
        assert result.returncode == 1 and "the input device is not a TTY" in result.stderr


def test_flags_shape_the_one_off(both):
    for tool in both:
        (tool.dir / "shared").mkdir()
        (tool.dir / "shared" / "f").write_text("from the host\n")
    script = "echo $A $B; pwd; id -u; cat /mnt/f; touch /mnt/g 2>/dev/null || echo read-only"
    ours, theirs = each(both, "run", "--rm", "--no-deps", "-e", "A=1", "-e", "B=two words", "-w", "/tmp", "-u", "65534",
                        "-v", "./shared:/mnt:ro", "--entrypoint", "sh -c", "app", script)
    assert ours.returncode == theirs.returncode == 0
    assert ours.stdout == theirs.stdout == "1 two words\n/tmp\n65534\nfrom the host\nread-only\n"
    for tool in both:  # container names are host-wide: each its own
        started = tool.compose("run", "-d", "--no-deps", "--name", f"{tool.name}-named", "app", "sleep", "60")
        assert re.fullmatch(r"[0-9a-f]{64}\n", started.stdout), started.stdout
    mine, theirs_ = names_and_states(both)
    assert mine == theirs_ == ["PROJECT-named running"]


def test_only_use_aliases_answers_to_the_service_name(both):
    each(both, "up", "-d", "db")
    for flags, reachable in (((), False), (("--use-aliases",), True)):
        started = each(both, "run", "-d", "--no-deps", *flags, "app", "sleep", "60")
        assert [r.returncode for r in started] == [0, 0], [r.stderr for r in started]
        # The one-off without aliases stays: it never answers to these. (A name nobody has is
        # asked of the host's resolver by Docker's DNS: one such lookup per tool, it can be slow.)
        for name in ("app", "appalias") if reachable else ("app",):
            answers = [r.returncode == 0 for r in each(both, "exec", "-T", "db", "ping", "-c", "1", "-W", "1", name)]
            assert answers == [reachable, reachable], (flags, name)
