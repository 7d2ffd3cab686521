"""Pieces of the progress bars that ``train``, ``report`` and ``verify`` draw on stderr."""

from __future__ import annotations

__all__ = ["format_seconds", "render_bar", "eta_seconds"]

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
