"""Valid compose files mangled as text (spans cut, YAML indicators and bytes dropped in,
lines repeated, swapped or re-indented), run through `compose config` as the CLI runs it
(in-process: main() with its arguments): exit 0 or 1, errors one line each, never a
traceback. test_model_fuzz.py mangles parsed trees; this reaches the YAML reader too.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.cli.main import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "model"
SEEDS = sorted(p for p in FIXTURES.glob("*/compose.yaml"))
PIECES = [*":-[]{}&*!|>'\"%@`#,?$\t\n \\~.0123456789abcxyz", "${", "<<: ", "!reset ", "&a ", "*a", "\u00e9", "\x00", "\x85"]
PAYLOAD = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)
EDIT = st.tuples(st.sampled_from(["cut", "insert", "replace", "repeat-line", "swap-lines", "indent", "dedent"]), st.floats(0, 1), st.floats(0, 1), PAYLOAD)


def mangle(text: str, kind: str, where: float, other: float, payload: str) -> str:
    at = int(where * len(text))
    if kind == "cut":
        return text[:at] + text[at + 1 + int(other * 20):]
    if kind == "insert":
        return text[:at] + payload + text[at:]
    if kind == "replace":
        return text[:at] + payload + text[at + len(payload):]
    lines = text.split("\n")
    line, second = int(where * (len(lines) - 1)), int(other * (len(lines) - 1))
    if kind == "repeat-line":
        lines.insert(line, lines[line])
    elif kind == "swap-lines":
        lines[line], lines[second] = lines[second], lines[line]
    elif kind == "indent":
        lines[line] = "  " + lines[line]
    else:
        lines[line] = lines[line][2:] if lines[line].startswith("  ") else lines[line]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mangled")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(EDIT, min_size=1, max_size=4))
def test_mangled_text_is_loaded_or_refused_in_lines_never_a_traceback(scratch: Path, seed: Path, edits):
    text = seed.read_text()
    for edit in edits:
        text = mangle(text, *edit)
    target = scratch / "compose.yaml"
    target.write_text(text, errors="surrogateescape")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["-f", str(target), "--project-directory", str(seed.parent), "-p", "mangled", "config"])
    assert code in (0, 1), err.getvalue()
    lines = err.getvalue().splitlines()
    if code == 1:
        assert lines and lines[-1].startswith("error: "), err.getvalue()
    assert all(line.startswith(("error: ", "warning: ", "WARN")) for line in lines), err.getvalue()
