"""Exceptions raised by wideminima.

Every user mistake (a missing file, a wrong shape, a NaN, a depth below 1, a width
below rank(T), a point that is not a global minimum given to a minimum-only
routine) raises :class:`InputError` with a one-line message that names the
argument and its value. The command line turns it into one line on stderr and
exit status 2; nothing else is ever caught there, so a bug still shows its
traceback.
"""

from __future__ import annotations

__all__ = ["WideMinimaError", "InputError", "NotAGlobalMinimumError", "NoExactFactorizationError"]


class WideMinimaError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class InputError(WideMinimaError, ValueError):
    """A user mistake: bad argument, file, shape or value. The message is one line."""


class NotAGlobalMinimumError(InputError):
    """A point that is not a global minimum was passed where one is required."""


class NoExactFactorizationError(InputError):
    """Some width d_k is below rank(T): no product W_N...W_1 equals T."""
