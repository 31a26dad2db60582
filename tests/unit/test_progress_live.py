"""The live progress block: phases read from texts, frame layout, and what reaches the terminal
(a StringIO as the terminal, a fake clock, no thread: redraw() is called by hand)."""

from __future__ import annotations

import io
import re

import pytest

from composer.cli import output
from composer.cli.live_progress import SPINNER, LiveProgress, Phase, frame_lines, phase_of
from composer.cli.progress import PlainProgress, choose_mode, open_progress


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def make(width: int = 60, height: int = 24, color: bool = False) -> tuple[LiveProgress, io.StringIO, FakeClock]:
    clock, terminal = FakeClock(), io.StringIO()
    return LiveProgress(terminal, color=color, clock=clock, size=lambda: (width, height)), terminal, clock


@pytest.mark.parametrize("text, phase", [
    ("Created", Phase.DONE), ("Started (0.21s)", Phase.DONE), ("Healthy", Phase.DONE),
    ("Removed", Phase.DONE), ("Built (1.2s)", Phase.DONE), ("Published → web:80", Phase.DONE),
    ("Creating", Phase.WORKING), ("Stopping", Phase.WORKING), ("Recreate", Phase.WORKING), ("Building", Phase.WORKING),
    ("Error: no such image", Phase.FAILED), ("Skipped: dependency db failed", Phase.FAILED),
    ("start failed: exit 1", Phase.FAILED),
    ("Warning: ARG unused", Phase.WARNING), ("Orphan kept (use --remove-orphans)", Phase.WARNING),
])
def test_phase_is_read_from_the_first_word(text: str, phase: Phase) -> None:
    assert phase_of(text) is phase


def test_frame_has_a_header_count_and_one_aligned_line_per_resource() -> None:
    live, _, clock = make()
    clock.now += 0.7
    live.status("Network", "demo_default", "Created")  # first report already done: timed from the block's start
    clock.now += 0.4
    live.status("Container", "demo-web-1", "Creating")
    clock.now += 1.5
    live.status("Container", "demo-db-1", "Error: exit 1")
    lines = frame_lines("Running", list(live.rows.values()), clock.now, 60, 24, False, final=False)
    assert lines[0] == "[+] Running 1/3"
    assert [len(line) for line in lines[1:]] == [60, 60, 60]
    assert re.fullmatch(r" ✔ Network demo_default +Created +0\.7s", lines[1])  # done: frozen at its report
    assert lines[2][1] in SPINNER and re.fullmatch(r" . Container demo-web-1 +Creating +1\.5s", lines[2])
    assert re.fullmatch(r" ✘ Container demo-db-1 +Error: exit 1 +2\.6s", lines[3])
    assert lines[1].index("Created") == lines[2].index("Creating") == lines[3].index("Error")


def test_a_done_row_stops_its_clock_and_a_new_step_restarts_it() -> None:
    live, _, clock = make()
    live.status("Container", "c1", "Stopping")
    clock.now += 2.0
    live.status("Container", "c1", "Stopped")
    clock.now += 5.0
    assert frame_lines("Running", list(live.rows.values()), clock.now, 40, 24, False, False)[1].endswith(" 2.0s")
    live.status("Container", "c1", "Removing")
    clock.now += 0.3
    assert frame_lines("Running", list(live.rows.values()), clock.now, 40, 24, False, False)[1].endswith(" 0.3s")


def test_lines_are_cut_to_the_terminal_width_keeping_the_timer() -> None:
    live, _, clock = make()
    live.status("Container", "a-very-long-container-name-1", "Error: " + "x" * 200)
    line = frame_lines("Running", list(live.rows.values()), clock.now, 40, 24, False, False)[1]
    assert len(line) == 40 and line.endswith(" 0.0s") and "…" in line
    tiny = frame_lines("Running", list(live.rows.values()), clock.now, 3, 24, False, False)
    assert all(len(line) <= 3 for line in tiny)


def test_more_rows_than_the_screen_hides_done_rows_while_live_but_not_in_the_final_frame() -> None:
    live, _, clock = make()
    for index in range(30):
        live.status("Container", f"c{index}", "Started" if index < 25 else "Starting")
    rows = list(live.rows.values())
    lines = frame_lines("Running", rows, clock.now, 50, 10, False, final=False)
    assert len(lines) == 9  # the 10th screen line holds the cursor: nothing scrolls
    assert lines[0] == "[+] Running 25/30" and lines[-1].strip() == "… 23 more"
    assert sum("Starting" in line for line in lines) == 5  # every one in progress stays visible
    assert len(frame_lines("Running", rows, clock.now, 50, 10, False, final=True)) == 31
    assert len(frame_lines("Running", rows[:8], clock.now, 50, 10, False, final=False)) == 9  # fits: all shown


def test_redraw_moves_up_over_the_previous_frame_and_close_leaves_the_cursor_below() -> None:
    live, terminal, clock = make(width=40)
    live.status("Container", "c1", "Creating")
    live.redraw()
    first = terminal.getvalue()
    assert "\x1b[" not in first.split("\r")[0]  # the first frame does not move up
    live.status("Container", "c2", "Started")
    clock.now += 1
    live.redraw()
    second = terminal.getvalue()[len(first):]
    assert second.startswith("\x1b[2A")  # over the 2 lines drawn before
    live.status("Container", "c1", "Created")
    live.close()
    final = terminal.getvalue()[len(first) + len(second):]
    assert final.startswith("\x1b[3A") and final.endswith("\x1b[?25h")
    screen = [plain(line).strip() for line in final.split("\n")[:-1]]
    assert screen[0] == "[+] Running 2/2"
    assert [line.split()[:3] for line in screen[1:]] == [["✔", "Container", "c1"], ["✔", "Container", "c2"]]
    live.status("Container", "c3", "Started")
    live.redraw()  # after close nothing more is drawn
    assert terminal.getvalue().endswith("\x1b[?25h")


def test_print_above_puts_a_whole_line_where_the_block_was_and_redraws_below() -> None:
    live, terminal, _ = make()
    live.status("Container", "c1", "Creating")
    live.redraw()
    mark = len(terminal.getvalue())
    live.print_above("error: something broke\n")
    after = terminal.getvalue()[mark:]
    assert after.startswith("\x1b[2A\r\x1b[Jerror: something broke\n")
    assert "[+] Running 0/1" in after.split("error: something broke\n", 1)[1]


def test_colour_only_on_the_mark() -> None:
    live, _, clock = make(color=True)
    live.status("Container", "c1", "Started")
    line = frame_lines("Running", list(live.rows.values()), clock.now, 40, 24, True, False)[1]
    assert line.startswith(" \x1b[32m✔\x1b[0m Container c1") and len(plain(line)) == 40


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_mode_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert choose_mode(None, "auto", FakeTerminal(True)) == "tty"
    assert choose_mode(None, "auto", FakeTerminal(False)) == "plain"
    assert choose_mode(None, "never", FakeTerminal(True)) == "plain"
    assert choose_mode("tty", "auto", FakeTerminal(False)) == "tty"
    assert choose_mode("json", "auto", FakeTerminal(True)) == "json"
    monkeypatch.setenv("TERM", "dumb")
    assert choose_mode(None, "auto", FakeTerminal(True)) == "plain"
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "1")
    assert choose_mode(None, "auto", FakeTerminal(True)) == "plain"


class Args:
    def __init__(self, progress: str | None, ansi: str = "auto") -> None:
        self.progress, self.ansi = progress, ansi


def test_open_progress_plain_and_live_and_errors_go_above_the_block(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTerminal(False)
    with open_progress(Args(None), stream=terminal) as reporter:
        assert isinstance(reporter, PlainProgress)
        reporter.status("Container", "c1", "Started")
    assert terminal.getvalue() == " Container c1  Started\n"
    terminal = FakeTerminal(False)
    with open_progress(Args("tty"), stream=terminal) as reporter:
        assert isinstance(reporter, LiveProgress)
        reporter.status("Container", "c1", "Started")
        reporter.redraw()
        output.error("boom")
    assert output._stderr_sink is None  # stderr is stderr again
    text = plain(terminal.getvalue())
    assert "error: boom\n" in text and text.rstrip().endswith("Started     0.0s".split()[-1])
