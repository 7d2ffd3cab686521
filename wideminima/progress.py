"""The one progress bar that ``train``, ``report`` and ``verify`` draw on stderr.

A line ``[#####.........] TEXT  elapsed m:ss  ETA m:ss``: the caller says how much
of the work is done (in its own units: steps, examples, summed task costs) and
what to print about it; the bar, the elapsed time and the ETA are drawn here. The
ETA is an estimate: it assumes the remaining work runs at the rate seen so far.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["ProgressBar", "format_seconds", "render_bar", "eta_seconds"]

BAR_WIDTH = 30


def format_seconds(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration in seconds.

    >>> format_seconds(75.4), format_seconds(3725)
    ('1:15', '1:02:05')
    """
    total = int(round(max(seconds, 0.0)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """``[####......]`` for a fraction done in [0, 1].

    >>> render_bar(0.5, width=10)
    '[#####.....]'
    """
    filled = int(round(min(max(fraction, 0.0), 1.0) * width))
    return "[" + "#" * filled + "." * (width - filled) + "]"


def eta_seconds(elapsed: float, fraction: float) -> float | None:
    """Seconds left if the rest runs at the rate seen so far; None before any progress.

    >>> eta_seconds(10.0, 0.25)
    30.0
    """
    return None if fraction <= 0 else elapsed * (1 - fraction) / fraction


class ProgressBar:
    """One progress line on ``stream`` (default stderr) for work of size ``total``.

    On a terminal the line is redrawn in place; elsewhere (a pipe, a log file) it is
    drawn only when ``on_pipe`` is True, then one line per update. ``every``: the
    least time in seconds between two redraws; ``after``: nothing is drawn before
    the run has lasted that long (short runs print nothing). ``enabled`` False makes
    every call a no-op (``--quiet``, ``--json``, tests).
    """

    def __init__(
        self,
        total: float,
        *,
        enabled: bool = True,
        stream: TextIO | None = None,
        on_pipe: bool = False,
        every: float = 0.0,
        after: float = 0.0,
    ) -> None:
        self.total = max(float(total), 1e-12)
        self.stream = stream if stream is not None else sys.stderr
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled and (self.terminal or on_pipe)
        self.every, self.after = every, after
        self.start = self.last = time.monotonic()
        self.drawn = False

    def line(self, done: float, text: str) -> str:
        """The line for ``done`` out of ``total``, with ``text`` after the bar (no newline)."""
        fraction = min(max(done / self.total, 0.0), 1.0)
        elapsed = time.monotonic() - self.start
        left = eta_seconds(elapsed, fraction)
        eta = "?" if left is None else format_seconds(left)
        return f"{render_bar(fraction)} {text}  elapsed {format_seconds(elapsed)}  ETA {eta}"

    def update(self, done: float, text: str, *, force: bool = False) -> None:
        """Redraw for ``done`` out of ``total`` (skipped when too soon, unless ``force``)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and (now - self.last < self.every or now - self.start < self.after):
            return
        self.last, self.drawn = now, True
        if self.terminal:
            self.stream.write("\r" + self.line(done, text) + "\x1b[K")
        else:
            self.stream.write(self.line(done, text) + "\n")
        self.stream.flush()

    def clear(self) -> None:
        """Erase the line on a terminal (before printing something else there)."""
        if self.enabled and self.terminal and self.drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()

    def close(self) -> None:
        """End the line on a terminal, keeping its last state on screen."""
        if self.enabled and self.terminal and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
        self.drawn = False
