"""Weights and data files (interfaces.md, "Files").

- Weights: ``.npz`` with arrays ``W1``, ``W2``, ..., ``WN`` and nothing else, no gaps.
- Data: ``.npz`` with ``X`` and ``Y`` (samples as rows); or population form,
  ``Sigma_x`` with ``T`` or with ``Sigma_yx``.

Every problem raises :class:`~wideminima.errors.InputError` with one line naming
the file and what is wrong. Files are written atomically.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wideminima._atomic import atomic_open
from wideminima.errors import InputError

if TYPE_CHECKING:
    from wideminima.numeric.moments import Moments

__all__ = ["DataFile", "load_weights", "save_weights", "load_data", "read_data_file", "save_npz"]

_LAYER = re.compile(r"W([1-9][0-9]*)")


def _read_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with np.load(p, allow_pickle=False) as archive:
            return {name: np.asarray(archive[name]) for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{p}: not a readable .npz file ({exc})") from None


def load_weights(path: str | os.PathLike[str]) -> list[np.ndarray]:
    """The layers [W1, ..., WN] stored in ``path``, validated (shapes chain, finite)."""
    from wideminima.numeric.network import check_weights

    arrays = _read_npz(path)
    names = set(arrays)
    layers = sorted((int(m.group(1)) for n in names if (m := _LAYER.fullmatch(n))))
    others = sorted(names - {f"W{k}" for k in layers})
    if others:
        raise InputError(f"{path}: unexpected arrays {others}; a weights file holds only W1..WN")
    if not layers:
        raise InputError(f"{path}: no layers; a weights file holds arrays W1, W2, ..., WN")
    if layers != list(range(1, len(layers) + 1)):
        missing = sorted(set(range(1, max(layers) + 1)) - set(layers))
        raise InputError(f"{path}: layers must be W1..WN without gaps; missing {['W%d' % k for k in missing]}")
    try:
        return check_weights([arrays[f"W{k}"] for k in layers])
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def save_npz(path: str | os.PathLike[str], arrays: Mapping[str, Any]) -> Path:
    """Write ``arrays`` to ``path`` (.npz, uncompressed) atomically; return the path."""
    target = Path(path)
    with atomic_open(target, "wb") as handle:
        np.savez(handle, **{k: np.asarray(v) for k, v in arrays.items()})
    return target


def save_weights(path: str | os.PathLike[str], weights: Sequence[Any]) -> Path:
    """Write [W1, ..., WN] to ``path`` as ``W1``..``WN`` (float64, NumPy), atomically."""
    from wideminima.numeric._backend import to_numpy
    from wideminima.numeric.network import check_weights

    checked = check_weights(list(weights))
    return save_npz(path, {f"W{k}": to_numpy(w) for k, w in enumerate(checked, start=1)})


@dataclass(frozen=True)
class DataFile:
    """What a data file holds: its second moments, and its samples when it has them.

    ``samples`` is (X (n, d_0), Y (n, d_N)) as float64 arrays, or None for population data.
    """

    moments: "Moments"
    samples: tuple[np.ndarray, np.ndarray] | None


def read_data_file(path: str | os.PathLike[str]) -> DataFile:
    """Read and validate ``path`` once: samples X, Y, or population Sigma_x with T or Sigma_yx."""
    from wideminima.numeric.moments import Moments

    arrays = _read_npz(path)
    names = set(arrays)
    try:
        if {"X", "Y"} <= names:
            moments = Moments.from_samples(arrays["X"], arrays["Y"])
            samples = (np.asarray(arrays["X"], dtype=np.float64), np.asarray(arrays["Y"], dtype=np.float64))
            return DataFile(moments, samples)
        if {"Sigma_x", "T"} <= names:
            return DataFile(Moments.from_target(arrays["T"], arrays["Sigma_x"]), None)
        if {"Sigma_x", "Sigma_yx"} <= names:
            return DataFile(Moments(arrays["Sigma_x"], arrays["Sigma_yx"]), None)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
    raise InputError(
        f"{path}: holds {sorted(names)}; a data file needs X and Y, or Sigma_x with T or Sigma_yx"
    )


def load_data(path: str | os.PathLike[str]) -> "Moments":
    """The second moments stored in ``path`` (samples X, Y or population Sigma_x with T or Sigma_yx)."""
    return read_data_file(path).moments
