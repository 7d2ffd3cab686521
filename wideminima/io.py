"""Weights and data files as arrays (interfaces.md, "Files"): parsing and structural checks only.

- Weights: ``.npz`` with arrays ``W1``, ``W2``, ..., ``WN`` and nothing else, no gaps.
- Data: ``.npz`` with ``X`` and ``Y`` (samples as rows); or population form,
  ``Sigma_x`` with ``T`` or with ``Sigma_yx``.

A base module: it knows which arrays a file must hold, never what they mean. Turning
them into checked weights or :class:`~wideminima.numeric.Moments` is
:mod:`wideminima.numeric.files`'s job. Every problem raises
:class:`~wideminima.errors.InputError` with one line naming the file and what is
wrong. Files are written atomically.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from wideminima.atomic import atomic_open
from wideminima.errors import InputError
from wideminima.types import Array

__all__ = ["DataArrays", "read_npz", "read_weights_file", "read_data_arrays", "save_npz"]

_LAYER = re.compile(r"W([1-9][0-9]*)")


def read_npz(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Every array stored in the ``.npz`` file ``path`` (pickles refused: a data file never runs code)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    try:
        with np.load(p, allow_pickle=False) as archive:
            return {name: np.asarray(archive[name]) for name in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
        raise InputError(f"{p}: not a readable .npz file ({exc})") from None


def read_weights_file(path: str | os.PathLike[str]) -> list[np.ndarray]:
    """The arrays [W1, ..., WN] stored in ``path``, as stored (names checked: W1..WN, no gaps, nothing else)."""
    arrays = read_npz(path)
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
    return [arrays[f"W{k}"] for k in layers]


def save_npz(path: str | os.PathLike[str], arrays: Mapping[str, Array]) -> Path:
    """Write ``arrays`` to ``path`` (.npz, uncompressed) atomically; return the path."""
    target = Path(path)
    with atomic_open(target, "wb") as handle:
        np.savez(handle, **{k: np.asarray(v) for k, v in arrays.items()})
    return target


@dataclass(frozen=True)
class DataArrays:
    """The arrays of a data file and which of the three forms it has.

    ``form``: ``"samples"`` (``X`` (n, d_0) and ``Y`` (n, d_N)), ``"target"``
    (``Sigma_x`` and ``T``) or ``"cross"`` (``Sigma_x`` and ``Sigma_yx``); ``arrays``
    maps those names to the stored arrays, unchecked.
    """

    form: Literal["samples", "target", "cross"]
    arrays: dict[str, np.ndarray]


def read_data_arrays(path: str | os.PathLike[str]) -> DataArrays:
    """The arrays of the data file ``path``: samples X, Y, or population Sigma_x with T or Sigma_yx."""
    arrays = read_npz(path)
    names = set(arrays)
    for form, needed in (("samples", ("X", "Y")), ("target", ("Sigma_x", "T")), ("cross", ("Sigma_x", "Sigma_yx"))):
        if set(needed) <= names:
            return DataArrays(form, {name: arrays[name] for name in needed})  # type: ignore[arg-type]
    raise InputError(
        f"{path}: holds {sorted(names)}; a data file needs X and Y, or Sigma_x with T or Sigma_yx"
    )
