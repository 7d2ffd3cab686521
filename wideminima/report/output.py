"""The report folder: refuse to overwrite a stranger's files, build aside, swap in at the end.

A report folder holds ``report.md``, ``figures/`` and ``results/`` with
``results/manifest.json`` (whose ``"generator"`` is :data:`GENERATOR`); that file
is what marks a folder as a previous report that may be replaced. The new report
is built in a hidden sibling folder and renamed into place only when complete, so
a failure never leaves a half-written report (the previous one, if any, stays).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from wideminima.atomic import atomic_open, current_umask
from wideminima.errors import InputError

__all__ = ["GENERATOR", "MANIFEST", "check_output_dir", "staged_output", "write_json", "write_csv", "write_text", "jsonable"]

GENERATOR = "wideminima report"
MANIFEST = Path("results") / "manifest.json"


def _is_previous_report(path: Path) -> bool:
    try:
        with open(path / MANIFEST) as handle:
            return json.load(handle).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):
        return False


def check_output_dir(path: Path) -> None:
    """Raise :class:`InputError` unless ``path`` is absent, empty, or a previous report."""
    if path.exists() and not path.is_dir():
        raise InputError(f"--out {path}: exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not _is_previous_report(path):
        raise InputError(f"--out {path}: folder is not empty and is not a previous report; choose another folder")


@contextlib.contextmanager
def staged_output(path: Path) -> Iterator[Path]:
    """Yield an empty hidden sibling folder; on success it replaces ``path``, on failure it is removed."""
    path = Path(path).absolute()
    check_output_dir(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{path.name}.building-", dir=path.parent))
    try:
        yield stage
        _default_permissions(stage)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(stage, path)
            shutil.rmtree(old)
        else:
            os.replace(stage, path)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


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
