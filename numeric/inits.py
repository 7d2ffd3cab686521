"""Initial weights for training: zero-init ResNet, Gaussian, Xavier/Glorot, He, balanced, user-given.

Every scheme returns a list ``[W_1, ..., W_N]`` of float64 NumPy arrays with
``W_k`` of shape ``(d_k, d_{k-1})`` for ``widths = [d_0, ..., d_N]``. Random
schemes draw from the ``numpy.random.Generator`` they are given, so one seed
gives one set of weights.

- ``zero``: the ResNet zero init R_k = 0, i.e. W_k = I (all widths equal).
- ``gaussian``: i.i.d. N(0, scale^2) entries (small scale: near the saddle at 0).
- ``xavier``: Glorot normal, N(0, 2 / (d_{k-1} + d_k)).
- ``he``: He normal, N(0, 2 / d_{k-1}).
- ``balanced``: draw an end-to-end matrix M with i.i.d. N(0, scale^2) entries and
  factor it in balanced form (W_{k+1}^T W_{k+1} = W_k W_k^T) with the numeric
  core's ``balanced_minimum`` (Arora et al.'s balanced initialization).

>>> import numpy as np
>>> [w.shape for w in init_weights("xavier", [3, 4, 2], np.random.default_rng(0))]
[(4, 3), (2, 4)]
>>> init_weights("zero", [2, 2, 2], np.random.default_rng(0))[1]
array([[1., 0.],
       [0., 1.]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wideminima.errors import InputError

from .minima import balanced_minimum
from .resnet import check_resnet_widths, zero_resnet_init

__all__ = ["INITS", "init_weights", "gaussian_init", "xavier_init", "he_init", "balanced_init", "zero_resnet_init"]

INITS = ("zero", "gaussian", "xavier", "he", "balanced")


def check_widths(widths: Sequence[int]) -> list[int]:
    """``widths`` [d_0, ..., d_N] as integers; raises unless N >= 1 and every d_k >= 1."""
    try:
        dims = [int(d) for d in widths]
    except (TypeError, ValueError):
        raise InputError(f"widths must be positive integers, got {widths!r}") from None
    if len(dims) < 2:
        raise InputError(f"depth N >= 1 needs at least two widths d_0, d_1, got widths={dims}")
    if min(dims) < 1:
        raise InputError(f"every width must be >= 1, got widths={dims}")
    return dims


def _check_scale(scale: float) -> float:
    if not (np.isfinite(scale) and scale > 0):
        raise InputError(f"init scale must be a positive finite number, got {scale}")
    return float(scale)


def gaussian_init(widths: Sequence[int], scale: float, rng: np.random.Generator) -> list[np.ndarray]:
    """W_k with i.i.d. N(0, scale^2) entries."""
    dims, s = check_widths(widths), _check_scale(scale)
    return [s * rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]


def xavier_init(widths: Sequence[int], rng: np.random.Generator) -> list[np.ndarray]:
    """Glorot normal: W_k entries N(0, 2 / (d_{k-1} + d_k))."""
    dims = check_widths(widths)
    return [np.sqrt(2.0 / (dims[k] + dims[k + 1])) * rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]


def he_init(widths: Sequence[int], rng: np.random.Generator) -> list[np.ndarray]:
    """He normal: W_k entries N(0, 2 / d_{k-1}) (for ReLU layers)."""
    dims = check_widths(widths)
    return [np.sqrt(2.0 / dims[k]) * rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]


def balanced_init(widths: Sequence[int], scale: float, rng: np.random.Generator) -> list[np.ndarray]:
    """A balanced factorization of a random end-to-end matrix with N(0, scale^2) entries."""
    dims, s = check_widths(widths), _check_scale(scale)
    if min(dims[1:-1], default=dims[0]) < min(dims[0], dims[-1]):
        # A Gaussian end-to-end matrix has full rank min(d_0, d_N) almost surely; a
        # narrower hidden layer cannot carry it, so draw it with the bottleneck's rank.
        rank = min(dims)
        product = s * rng.standard_normal((dims[-1], rank)) @ rng.standard_normal((rank, dims[0])) / np.sqrt(rank)
    else:
        product = s * rng.standard_normal((dims[-1], dims[0]))
    return balanced_minimum(product, dims, rng)


def init_weights(name: str, widths: Sequence[int], rng: np.random.Generator, *, scale: float = 1e-3) -> list[np.ndarray]:
    """The weights of scheme ``name`` (one of :data:`INITS`); ``scale`` is used by gaussian and balanced."""
    if name == "zero":
        dims = check_widths(widths)
        return zero_resnet_init(len(dims) - 1, check_resnet_widths(dims))
    if name == "gaussian":
        return gaussian_init(widths, scale, rng)
    if name == "xavier":
        return xavier_init(widths, rng)
    if name == "he":
        return he_init(widths, rng)
    if name == "balanced":
        return balanced_init(widths, scale, rng)
    raise InputError(f"unknown init {name!r}; choose one of {', '.join(INITS)} or give a weights .npz file")
