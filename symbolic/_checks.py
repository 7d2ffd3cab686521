"""Argument checks shared by the symbolic modules (one-line InputError messages)."""

from __future__ import annotations

from typing import Any

from wideminima.errors import InputError

# The exact matrix engine expands polynomials in all N d^2 weight entries; beyond these
# sizes the expansions take minutes (the numeric engine covers larger networks).
MAX_MATRIX_DEPTH = 3
MAX_MATRIX_WIDTH = 3


def _positive_int(name: str, value: Any, maximum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be an integer >= 1, got {value!r}")
    if maximum is not None and value > maximum:
        raise InputError(f"{name} must be <= {maximum} here (exact symbolic expansions), got {value}")
    return value


def check_depth(depth: Any, *, maximum: int | None = None) -> int:
    """``depth`` as an int >= 1 (and <= maximum when given)."""
    return _positive_int("depth", depth, maximum)


def check_width(width: Any, *, maximum: int | None = None) -> int:
    """``width`` as an int >= 1 (and <= maximum when given)."""
    return _positive_int("width", width, maximum)


def check_dps(dps: Any) -> int:
    """``dps`` (decimal digits of mpmath arithmetic) as an int >= 15, i.e. at least float64's precision."""
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 15:
        raise InputError(f"dps must be an integer >= 15, got {dps!r}")
    return dps
