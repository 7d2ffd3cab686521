"""A one-line progress bar with an ETA, written to stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from wideminima._progress import eta_seconds, format_seconds, render_bar

__all__ = ["Progress"]


class Progress:
    """Tasks done out of ``total_cost`` (relative costs), with elapsed time and ETA.

    The ETA assumes the remaining work runs at the rate seen so far. ``enabled``
    False makes every call a no-op (used for ``--quiet`` and in tests).
    """

    def __init__(self, total: int, total_cost: float, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.total_cost = max(total_cost, 1e-12)
        self.done = 0
        self.done_cost = 0.0
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.monotonic()
        self._interactive = bool(getattr(self.stream, "isatty", lambda: False)())

    def line(self) -> str:
        """The current progress line (no newline)."""
        elapsed = time.monotonic() - self.start
        fraction = min(self.done_cost / self.total_cost, 1.0)
        left = eta_seconds(elapsed, fraction)
        eta = "?" if left is None else format_seconds(left)
        return f"{render_bar(fraction)} {self.done}/{self.total} tasks  elapsed {format_seconds(elapsed)}  ETA {eta}"

    def advance(self, cost: float, label: str = "") -> None:
        """Count one finished task of relative cost ``cost`` and redraw."""
        self.done += 1
        self.done_cost += cost
        if not self.enabled:
            return
        text = self.line() + (f"  {label}" if label else "")
        if self._interactive:
            self.stream.write("\r" + text.ljust(100)[:120])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
