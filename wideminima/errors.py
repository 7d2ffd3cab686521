"""Exceptions raised by wideminima.

Every user mistake (a missing file, a wrong shape, a NaN, a depth below 1, a width
below rank(T), a point that is not a global minimum given to a minimum-only
routine) raises :class:`InputError` with a one-line message that names the
argument and its value. The command line turns it into one line on stderr and
exit status 2; nothing else is ever caught there, so a bug still shows its
traceback. The one exception: a storage failure while writing an output (disk full,
file-size limit, read-only folder, no permission, standard output on /dev/full) is
the environment's fault, not a bug, and :func:`storage_error` turns it into an
InputError naming the file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys

__all__ = ["WideMinimaError", "InputError", "NotAGlobalMinimumError", "NoExactFactorizationError", "storage_error",
           "silence_stdout"]

# Errors of the storage, not of the program: said in one line naming the file, never a traceback.
_STORAGE_ERRNOS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO,
                   errno.ENOTDIR, errno.EISDIR, errno.EXDEV, errno.ENAMETOOLONG, errno.ELOOP, errno.EMLINK, errno.EBUSY}


class WideMinimaError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class InputError(WideMinimaError, ValueError):
    """A user mistake: bad argument, file, shape or value. The message is one line."""


class NotAGlobalMinimumError(InputError):
    """A point that is not a global minimum was passed where one is required."""


class NoExactFactorizationError(InputError):
    """Some width d_k is below rank(T): no product W_N...W_1 equals T."""


def storage_error(where: object, exc: OSError) -> InputError | None:
    """One-line :class:`InputError` for a storage failure (disk full, file too large, read-only,
    permission), or None when ``exc`` is not one (then it is a bug and keeps its traceback)."""
    if exc.errno not in _STORAGE_ERRNOS:
        return None
    return InputError(f"{where}: cannot write ({exc.strerror or exc})")


def silence_stdout() -> None:
    """Point standard output at /dev/null: after a failed write to it, unwritten bytes must not make
    the interpreter's final flush fail again (a second error, printed as a traceback-like warning)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
