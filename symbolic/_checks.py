"""Argument checks shared by the symbolic modules (one-line InputError messages)."""

from __future__ import annotations

from typing import Any

from wideminima.errors import InputError

# The exact matrix engine expands polynomials in all N d^2 weight entries; beyond these
# sizes the expansions take minutes (the numeric engine covers larger networks).
MAX_MATRIX_DEPTH = 3
MAX_MATRIX_WIDTH = 3


def check_depth(depth: Any, *, maximum: int | None = None) -> int:
    """``depth`` as an int >= 1 (and <= maximum when given)."""
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise InputError(f"depth must be an integer >= 1, got {depth!r}")
    if maximum is not None and depth > maximum:
        raise InputError(f"depth must be <= {maximum} here (exact symbolic expansions), got {depth}")
    return depth


def check_width(width: Any, *, maximum: int | None = None) -> int:
    """``width`` as an int >= 1 (and <= maximum when given)."""
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise InputError(f"width must be an integer >= 1, got {width!r}")
    if maximum is not None and width > maximum:
        raise InputError(f"width must be <= {maximum} here (exact symbolic expansions), got {width}")
    return width
