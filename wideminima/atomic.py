"""Write files all at once: to a temporary name in the target folder, then rename.

Output paths (:func:`check_output_path`, :func:`check_outputs`), checked before any work:

- a regular file is replaced; a missing file is created, with its missing parent folders;
- a folder, a device node, a FIFO or a socket is refused (renaming over ``/dev/null``
  would replace it with a regular file);
- a symbolic link is refused, never followed or replaced: writing through a link is how a
  planted link in a shared folder redirects an output, and replacing it would silently
  turn it into a file; the message names the path it points to, to give instead;
- the folder must be writable, and two outputs of one command must not be one file.

Temporary files are ``.NAME.XXXXXXXX.tmp`` beside the target. Each one is locked
(``flock``) by its writer for as long as it exists; a file left by a killed process
(SIGKILL) has no lock, and the next write to the same target removes it
(:func:`sweep_stale`), never touching one a live writer holds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from wideminima.errors import InputError, storage_error

__all__ = ["current_umask", "check_output_path", "check_outputs", "atomic_open", "write_together",
           "sweep_stale", "lock_held"]

# A temporary file or folder is created, then locked, microseconds later; one younger than this
# is never swept, so the sweep cannot catch a writer between the two steps.
_STALE_AFTER_S = 10.0
_SPECIAL = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"),
            (stat.S_ISSOCK, "a socket"))


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _writable_folder(target: Path, label: str) -> None:
    folder = target.parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise InputError(f"{label}: cannot write there, {folder} is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{label}: cannot write in {folder} (permission denied or read-only)")


def check_output_path(path: str | os.PathLike[str], *, folder: bool = False, option: str = "") -> Path:
    """``path`` as a Path if it can be written (module docstring), else a one-line InputError.

    ``folder``: the output is a folder (e.g. the report's), so an existing folder is fine.
    ``option``: the command-line option that named it, to start the message with.
    Commands call it before long work, so that a bad output name fails at once and never
    after some outputs were already written.
    """
    target = Path(path)
    label = f"{option} {target}" if option else str(target)
    blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InputError(f"{label}: cannot write there, {blocking} is a file, not a folder")
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise InputError(f"{label}: cannot use as an output ({exc.strerror or exc})") from None
    if mode is not None:
        if stat.S_ISLNK(mode):
            raise InputError(f"{label}: is a symbolic link (to {os.readlink(target)}); outputs never follow or "
                             "replace links, give the path it points to")
        if stat.S_ISDIR(mode) and not folder:
            raise InputError(f"{label}: is a directory, not an output file name")
        if stat.S_ISREG(mode) and folder:
            raise InputError(f"{label}: exists and is not a folder")
        for test, kind in _SPECIAL:
            if test(mode):
                raise InputError(f"{label}: is {kind}, not a regular file; refusing to replace it")
    _writable_folder(target, label)
    if folder and mode is not None and not os.access(target, os.W_OK | os.X_OK):
        raise InputError(f"{label}: cannot write in this folder (permission denied or read-only)")
    return target


def check_outputs(outputs: Sequence[tuple[str, str | os.PathLike[str] | None]]) -> None:
    """Check every (option, path) output (``None``: not asked for) and that no two are one file."""
    seen: dict[str, str] = {}
    for option, path in outputs:
        if path is None:
            continue
        check_output_path(path, option=option)
        key = os.path.realpath(path)
        if key in seen:
            raise InputError(f"{option} {path}: is the same file as {seen[key]}; give each output its own path")
        seen[key] = f"{option} {path}"


def lock_held(fd: int) -> bool:
    """Lock the open file or folder ``fd`` for this process; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def sweep_stale(folder: Path, prefix: str, suffix: str = "") -> None:
    """Remove the files and folders ``folder/prefix*suffix`` that no live process holds locked
    (left by a killed writer) and older than a few seconds; ignore any that vanish meanwhile."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(suffix)]
    except OSError:
        return
    now = time.time()
    for name in names:
        path = folder / name
        with contextlib.suppress(OSError):
            if now - os.lstat(path).st_mtime < _STALE_AFTER_S:
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                if lock_held(fd):
                    if stat.S_ISDIR(os.fstat(fd).st_mode):
                        shutil.rmtree(path)
                    else:
                        os.unlink(path)
            finally:
                os.close(fd)


class _Staged:
    """A locked temporary file beside ``target``, committed by renaming it over ``target``."""

    def __init__(self, target: Path) -> None:
        self.target = check_output_path(target)
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            sweep_stale(self.target.parent, f".{self.target.name}.", ".tmp")
            fd, tmp = tempfile.mkstemp(prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent)
        except OSError as exc:
            raise InputError(f"{self.target}: cannot write there ({exc.strerror or exc})") from None
        lock_held(fd)
        self.fd, self.tmp, self.lock = fd, tmp, os.dup(fd)  # the dup keeps the lock after the writer closes fd

    def commit(self) -> None:
        os.chmod(self.tmp, 0o666 & ~current_umask())
        os.replace(self.tmp, self.target)
        self.close()

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)
        self.close()

    def close(self) -> None:
        if self.lock >= 0:
            os.close(self.lock)
            self.lock = -1


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO]:
    """Open a temporary file beside ``path``; rename it over ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched,
    so a reader never sees a half-written output. The file gets the mode a plain
    ``open`` would give it (0o666 less the umask), not mkstemp's private 0o600.
    An unusable ``path`` (module docstring) raises :class:`~wideminima.errors.InputError`
    naming it before anything is written; so does a full disk, a file-size limit or a
    read-only folder met while writing.
    """
    staged = _Staged(Path(path))
    try:
        with os.fdopen(staged.fd, mode) as handle:
            yield handle
        staged.commit()
    except OSError as exc:
        staged.discard()
        error = storage_error(staged.target, exc)
        if error is None:
            raise
        raise error from None
    except BaseException:
        staged.discard()
        raise


def write_together(files: Sequence[tuple[str | os.PathLike[str], str, Callable[[IO], None]]]) -> None:
    """Write several files as one unit: all of them or none.

    ``files``: (path, mode, write) with ``write(handle)`` filling the file. Every file is
    written to its temporary first (a failure there, e.g. a full disk, changes no
    output); then each is renamed into place, and if a rename fails the ones already
    renamed are put back as they were. Only a SIGKILL in the microseconds between two
    renames can leave some outputs new and some old.
    """
    staged: list[_Staged] = []
    backups: list[tuple[_Staged, str | None]] = []
    locks: list[int] = []  # a backup is a link to the old file: locked so that no sweep takes it
    current: object = "output"
    try:
        for path, mode, write in files:
            current = path
            staged.append(_Staged(Path(path)))
            with os.fdopen(staged[-1].fd, mode) as handle:
                write(handle)
        for item in staged:
            current = item.target
            backup = None
            if item.target.exists():
                backup = item.tmp[: -len(".tmp")] + ".old.tmp"
                os.link(item.target, backup)
                locks.append(os.open(backup, os.O_RDONLY))
                lock_held(locks[-1])
            backups.append((item, backup))
            item.commit()
    except BaseException as exc:
        for item, backup in reversed(backups):
            with contextlib.suppress(OSError):
                if backup is not None:
                    os.replace(backup, item.target)
                elif item.lock < 0:  # committed: the file did not exist before
                    os.unlink(item.target)
        for item in staged:
            item.discard()
        for fd in locks:
            os.close(fd)
        if isinstance(exc, OSError) and (error := storage_error(current, exc)) is not None:
            raise error from None
        raise
    for _, backup in backups:
        if backup is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(backup)
    for fd in locks:
        os.close(fd)
