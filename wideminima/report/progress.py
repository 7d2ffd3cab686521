"""A one-line progress bar with an ETA, written to stderr."""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["Progress", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) for a duration in seconds.

    >>> format_seconds(75.4), format_seconds(3725)
    ('1:15', '1:02:05')
    """
    total = int(round(max(seconds, 0.0)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Tasks done out of ``total_cost`` (relative costs), with elapsed time and ETA.

    The ETA assumes the remaining work runs at the rate seen so far. ``enabled``
    False makes every call a no-op (used for ``--quiet`` and in tests).
    """

    WIDTH = 30

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
        filled = int(round(fraction * self.WIDTH))
        bar = "#" * filled + "." * (self.WIDTH - filled)
        eta = "?" if self.done_cost <= 0 else format_seconds(elapsed * (self.total_cost - self.done_cost) / self.done_cost)
        return f"[{bar}] {self.done}/{self.total} tasks  elapsed {format_seconds(elapsed)}  ETA {eta}"

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
