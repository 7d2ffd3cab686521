"""Weights and data files as the numeric engine's objects: checked weights and :class:`Moments`.

:mod:`wideminima.io` parses a file into arrays (which arrays, by name); this module
checks them as a network (:func:`check_weights`: finite float64 matrices whose shapes
chain) or builds the second moments they describe. Every problem raises
:class:`~wideminima.errors.InputError` with one line that starts with the file name.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wideminima.errors import InputError
from wideminima.io import read_data_arrays, read_weights_file, save_npz
from wideminima.types import Array

from ._backend import to_numpy
from .moments import Moments
from .network import check_weights

__all__ = ["DataFile", "load_weights", "save_weights", "load_data", "read_data_file"]


def load_weights(path: str | os.PathLike[str]) -> list[np.ndarray]:
    """The layers [W1, ..., WN] stored in ``path``, validated (shapes chain, finite)."""
    arrays = read_weights_file(path)
    try:
        return check_weights(arrays)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def save_weights(path: str | os.PathLike[str], weights: Sequence[Array]) -> Path:
    """Write [W1, ..., WN] to ``path`` as ``W1``..``WN`` (float64, NumPy), atomically."""
    checked = check_weights(list(weights))
    return save_npz(path, {f"W{k}": to_numpy(w) for k, w in enumerate(checked, start=1)})


@dataclass(frozen=True)
class DataFile:
    """What a data file holds: its second moments, and its samples when it has them.

    ``samples`` is (X (n, d_0), Y (n, d_N)) as float64 arrays, or None for population data.
    """

    moments: Moments
    samples: tuple[np.ndarray, np.ndarray] | None


def read_data_file(path: str | os.PathLike[str]) -> DataFile:
    """Read and validate ``path`` once: samples X, Y, or population Sigma_x with T or Sigma_yx."""
    data = read_data_arrays(path)
    a = data.arrays
    try:
        if data.form == "samples":
            moments = Moments.from_samples(a["X"], a["Y"])
            return DataFile(moments, (np.asarray(a["X"], dtype=np.float64), np.asarray(a["Y"], dtype=np.float64)))
        if data.form == "target":
            return DataFile(Moments.from_target(a["T"], a["Sigma_x"]), None)
        return DataFile(Moments(a["Sigma_x"], a["Sigma_yx"]), None)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def load_data(path: str | os.PathLike[str]) -> Moments:
    """The second moments stored in ``path`` (samples X, Y or population Sigma_x with T or Sigma_yx)."""
    return read_data_file(path).moments
