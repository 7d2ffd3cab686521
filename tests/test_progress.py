"""The one progress bar (wideminima.progress) in the three ways train, report and verify use it."""

from __future__ import annotations

import io

from wideminima.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_line_has_bar_text_and_eta() -> None:
    bar = ProgressBar(4.0, stream=io.StringIO(), on_pipe=True)
    assert "ETA ?" in bar.line(0.0, "0/4 tasks")
    bar.start -= 10.0  # pretend the run has lasted 10 s
    line = bar.line(1.0, "1/4 tasks")
    # a quarter done in 10 s: 30 s to go
    assert line.startswith("[" + "#" * 8 + "." * 22 + "] 1/4 tasks") and "elapsed 0:10" in line and "ETA 0:30" in line


def test_report_style_draws_lines_off_a_terminal() -> None:
    pipe = io.StringIO()
    bar = ProgressBar(4.0, stream=pipe, on_pipe=True)
    bar.update(1.0, "1/4 tasks  E1 a", force=True)
    bar.update(2.0, "2/4 tasks  E1 b", force=True)
    bar.close()
    out = pipe.getvalue().splitlines()
    assert len(out) == 2 and out[-1].startswith("[" + "#" * 15) and "2/4 tasks  E1 b" in out[-1]


def test_train_style_only_on_a_terminal_and_throttled() -> None:
    pipe, tty = io.StringIO(), Terminal()
    for stream in (pipe, tty):
        bar = ProgressBar(1000, stream=stream, every=0.25, after=0.5)
        bar.update(100, "100/1000")  # the run has not lasted half a second: nothing drawn
        bar.start -= 10.0
        bar.last -= 10.0
        bar.update(250, "250/1000  loss 5.000e-01")
        bar.update(260, "260/1000  loss 4.000e-01")  # within 0.25 s of the last redraw: skipped
        bar.close()
    assert pipe.getvalue() == ""
    text = tty.getvalue()
    assert "100/1000" not in text and "260/1000" not in text
    assert "250/1000" in text and "ETA 0:30" in text and text.endswith("\n")


def test_disabled_and_undrawn_bars_write_nothing() -> None:
    quiet = Terminal()
    bar = ProgressBar(10, stream=quiet, enabled=False)
    bar.update(5, "5/10", force=True)
    bar.clear()
    bar.close()
    untouched = Terminal()
    ProgressBar(10, stream=untouched).close()
    assert quiet.getvalue() == "" and untouched.getvalue() == ""
