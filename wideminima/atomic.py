"""Write files all at once: to a temporary name in the target folder, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from wideminima.errors import InputError


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_output_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path, or :class:`~wideminima.errors.InputError` if it is a directory or
    one of its parents is a file. Commands call it before long work, so that a bad
    output name fails at once and never after some outputs were already written."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a directory, not an output file name")
    blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"{target}: cannot write there, {blocking} is a file, not a folder")
    return target


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched,
    so a reader never sees a half-written output. The file gets the mode a plain
    ``open`` would give it (0o666 less the umask), not mkstemp's private 0o600.
    An unusable ``path`` (a directory, a parent that is a file, no permission)
    raises :class:`~wideminima.errors.InputError` naming it, before anything is written.
    """
    target = check_output_path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise InputError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
