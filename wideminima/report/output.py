"""The report folder: refuse to overwrite a stranger's files, build aside, swap in at the end.

A report folder holds ``report.md``, ``figures/`` and ``results/`` with
``results/manifest.json`` (whose ``"generator"`` is :data:`GENERATOR`); that file
is what marks a folder as a previous report that may be replaced. The new report
is built in a hidden sibling folder and renamed into place only when complete, so
a failure never leaves a half-written report (the previous one, if any, stays; see
:func:`staged_output`). Files of the user's inside a previous report are kept.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import math
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from wideminima.atomic import atomic_open, check_output_path, current_umask, lock_held, sweep_stale
from wideminima.errors import InputError, storage_error

__all__ = ["GENERATOR", "MANIFEST", "check_output_dir", "staged_output", "write_json", "write_csv", "write_text", "jsonable"]

GENERATOR = "wideminima report"
MANIFEST = Path("results") / "manifest.json"


# A manifest lists a few dozen files; anything far larger is not one (and is not read into memory).
_MANIFEST_MAX_BYTES = 1024**2


def _manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of the report in folder ``path``, or None if it has none (or not a regular,
    small, JSON-object file: a FIFO there must not block, a huge file must not be loaded)."""
    file = path / MANIFEST
    try:
        if not file.is_file() or file.stat().st_size > _MANIFEST_MAX_BYTES:
            return None
        with open(file) as handle:
            manifest = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("generator") == GENERATOR else None


def _is_previous_report(path: Path) -> bool:
    return _manifest(path) is not None


def _report_files(path: Path) -> set[str]:
    """The files (relative paths) the report in ``path`` says it wrote, with its manifest."""
    listed = (_manifest(path) or {}).get("files", [])
    listed = listed if isinstance(listed, list) else []
    return {str(Path(f)) for f in listed if isinstance(f, str)} | {str(MANIFEST)}


def check_output_dir(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` can become the report folder: absent, empty, or a
    previous report (never the current folder or one holding it, a link, a file, an unwritable place)."""
    here = Path.cwd().resolve()
    resolved = Path(path).resolve()
    if resolved == here or resolved in here.parents:
        raise InputError(f"--out {path}: is the current folder or holds it; give a folder of its own for the report")
    check_output_path(path, folder=True, option="--out")
    if path.is_dir() and any(path.iterdir()) and not _is_previous_report(path):
        raise InputError(f"--out {path}: folder is not empty and is not a previous report; choose another folder")


def _recover(path: Path) -> None:
    """Undo what a killed run left beside ``path``: restore a previous report moved aside when
    ``path`` is missing; remove unlocked staging folders and old reports otherwise."""
    prefix = f".{path.name}.old-"
    if not path.exists():
        aside = sorted(path.parent.glob(prefix + "*"), key=lambda p: p.stat().st_mtime, reverse=True)
        for candidate in aside:
            fd = os.open(candidate, os.O_RDONLY | os.O_DIRECTORY)
            try:
                if lock_held(fd) and _is_previous_report(candidate):
                    os.rename(candidate, path)
                    print(f"wideminima report: restored the previous report {path} (a run was killed while "
                          "swapping it)", file=sys.stderr)
                    break
            finally:
                os.close(fd)
    sweep_stale(path.parent, prefix)
    sweep_stale(path.parent, f".{path.name}.building-")


def _keep_user_files(old: Path, stage: Path) -> None:
    """Copy into ``stage`` every file of the old report folder the report did not write (a name the
    new report also uses gets ``.previous`` appended): rebuilding a report never deletes them."""
    written = _report_files(old)
    for folder, dirs, files in os.walk(old):
        rel_folder = Path(folder).relative_to(old)
        for name in dirs:
            if (old / rel_folder / name).is_symlink():  # os.walk does not descend into it: keep the link itself
                files.append(name)
            else:
                (stage / rel_folder / name).mkdir(parents=True, exist_ok=True)
        for name in files:
            rel = rel_folder / name
            if str(rel) in written:
                continue
            dest = stage / rel
            if dest.exists() or dest.is_symlink():
                dest = dest.with_name(dest.name + ".previous")
            try:
                os.link(old / rel, dest, follow_symlinks=False)
            except OSError:
                shutil.copy2(old / rel, dest, follow_symlinks=False)


def _swap(path: Path, stage: Path) -> None:
    """Put the complete ``stage`` at ``path``: the old report is renamed aside (locked, so that no other
    run takes it for stale) and renamed back if the second rename fails; removed only after success."""
    if not path.exists():
        try:
            os.rename(stage, path)
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
            raise InputError(f"--out {path}: another run wrote a report there meanwhile; it was kept") from None
        return
    aside = path.parent / f".{path.name}.old-{secrets.token_hex(4)}"
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        lock_held(fd)
        os.rename(path, aside)
        try:
            os.rename(stage, path)
        except BaseException as exc:
            try:
                os.rename(aside, path)
            except OSError:  # another run put its report at path meanwhile: ours gives way, theirs stays
                raise InputError(f"--out {path}: another run wrote a report there while this one was "
                                 "finishing; its report was kept, this one discarded") from None
            if isinstance(exc, OSError) and exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise InputError(f"--out {path}: another run is writing a report there") from None
            raise
        shutil.rmtree(aside, ignore_errors=True)
    finally:
        os.close(fd)


@contextlib.contextmanager
def staged_output(path: Path) -> Iterator[Path]:
    """Yield an empty hidden sibling folder; on success it replaces ``path``, on failure it is removed.

    The previous report at ``path`` is never lost: it stays in place until the new one is
    complete, the swap rolls back on failure, and a run killed inside the swap has the
    old report restored by the next run (:func:`_recover`). Files in the old folder that
    the report did not write are carried over into the new one.
    """
    path = Path(path).absolute()
    check_output_dir(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _recover(path)
        stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    except OSError as exc:
        raise storage_error(f"--out {path}", exc) or exc from None
    lock = os.open(stage, os.O_RDONLY | os.O_DIRECTORY)
    lock_held(lock)  # held while building: another run's sweep leaves this folder alone
    try:
        yield stage
        _default_permissions(stage)
        if path.exists():
            _keep_user_files(path, stage)
        _swap(path, stage)
    except OSError as exc:
        error = storage_error(f"--out {path}", exc)
        if error is None:
            raise
        raise error from None
    except InputError as exc:  # name the file by where it was going, not the hidden staging folder
        raise InputError(str(exc).replace(str(stage), str(path))) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        os.close(lock)


def _default_permissions(root: Path) -> None:
    """Give ``root`` and everything in it the modes a plain mkdir/open would (temporary files are private)."""
    umask = current_umask()
    os.chmod(root, 0o777 & ~umask)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), 0o777 & ~umask)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666 & ~umask)


def jsonable(value: Any) -> Any:
    """``value`` with NumPy scalars/arrays as Python numbers/lists and NaN/inf as None.

    >>> import numpy as np
    >>> jsonable({"a": np.float64(0.5), "b": np.array([1, 2]), "c": float("nan")})
    {'a': 0.5, 'b': [1, 2], 'c': None}
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return jsonable(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as JSON (sorted keys, shortest round-trip floats) atomically."""
    write_text(path, json.dumps(jsonable(obj), indent=1, sort_keys=True, allow_nan=False) + "\n")


def write_csv(path: Path, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Write a CSV table (header row, then ``rows``; floats at full precision) atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in jsonable(list(row))])
    write_text(path, buffer.getvalue())
