"""Global minima of deep linear networks, built constructively (never by optimization).

Every generator returns [W_1, ..., W_N] (NumPy float64) with W_N ... W_1 = T up to
rounding, for ``widths`` = [d_0, ..., d_N] with d_0 = T's columns, d_N = T's rows and
min_k d_k >= rank T (else :class:`NoExactFactorizationError`: no exact factorization exists).

Construction. With T = U diag(sigma) V^T (full orthogonal U, V) and m = min_k d_k,
a *diagonal minimum* is W_k = Q_k[:, :m] diag(w_k) Q_{k-1}[:, :m]^T with Q_0 = V,
Q_N = U, orthogonal Q_k (random when an ``rng`` is given) and prod_k w_{k,i} = sigma_i
(zero for i >= rank T). Its output gram is diagonal in the (U, V) basis with entries
sum_k a_{k,i}^2 b_{k,j}^2 (a, b the partial products of the diagonals), so its
sharpness is known in closed form (:func:`diagonal_sharpness`). The generators choose
the diagonals:

- balanced: w_{k,i} = sigma_i^(1/N) (theory id balanced-attains-bound, the example there);
- flattest but unbalanced: the top direction balanced (the coupled path of
  coupling-at-flattest), the other directions skewed as far as the flatness
  limit allows (the caveat example of theorems.md is of this kind);
- near-flattest: the top direction skewed until lambda_max = (1 + delta) N s^(2-2/N).

:func:`gauge_minimum` instead applies W_k -> G_k W_k G_{k-1}^{-1} (G_0 = G_N = I) to a
random balanced minimum (the product, hence the loss, is unchanged; the layers, their
balance and the sharpness change).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wideminima.errors import InputError, NoExactFactorizationError
from wideminima.random import haar_orthogonal
from wideminima.types import Array

from ._backend import as_float_array
from .flatness import numerical_rank

__all__ = [
    "balanced_minimum",
    "gauge_minimum",
    "flattest_unbalanced_minimum",
    "near_flattest_minimum",
    "diagonal_gram",
    "diagonal_sharpness",
]

# Directions whose singular value is within this relative distance of s count as
# top directions (kept balanced: skewing them would exceed the flattest sharpness).
_TOP_TIE = 1e-8


def _check(target: Array, widths: Sequence[int]) -> tuple[np.ndarray, list[int], int]:
    t = as_float_array(target, "T", ndim=2)
    dims = list(widths)
    if len(dims) < 2 or any(int(d) != d or d < 1 for d in dims):
        raise InputError(f"widths must be [d_0, ..., d_N] with N >= 1 positive integers, got {dims}")
    dims = [int(d) for d in dims]
    if (dims[0], dims[-1]) != (t.shape[1], t.shape[0]):
        raise InputError(f"widths {dims} must start with d_0 = {t.shape[1]} and end with d_N = {t.shape[0]} for T of shape {t.shape}")
    rank = numerical_rank(t)
    if min(dims) < rank:
        raise NoExactFactorizationError(
            f"widths {dims} have a width {min(dims)} below rank(T) = {rank}: no product W_N...W_1 equals T"
        )
    return t, dims, rank


def _orthogonal(rng: np.random.Generator | None, n: int) -> np.ndarray:
    """The identity when ``rng`` is None (no gauge rotation), else a Haar-random orthogonal matrix."""
    return np.eye(n) if rng is None else haar_orthogonal(rng, n)


def _embed(t: np.ndarray, dims: list[int], diag: np.ndarray, rng: np.random.Generator | None) -> list[np.ndarray]:
    """W_k = Q_k[:, :m] diag(diag[k-1]) Q_{k-1}[:, :m]^T with Q_0 = V, Q_N = U (module docstring)."""
    u, _, vt = np.linalg.svd(t)
    frames = [vt.T] + [_orthogonal(rng, d) for d in dims[1:-1]] + [u]
    m = diag.shape[1]
    return [(frames[k + 1][:, :m] * diag[k]) @ frames[k][:, :m].T for k in range(len(dims) - 1)]


def _singular_values(t: np.ndarray, m: int, rank: int) -> np.ndarray:
    sv = np.zeros(m)
    sv[:rank] = np.linalg.svd(t, compute_uv=False)[:rank]
    return sv


def _balanced_diagonals(sv: np.ndarray, depth: int) -> np.ndarray:
    return np.tile(sv ** (1.0 / depth), (depth, 1))


def diagonal_gram(diag: np.ndarray, widths: Sequence[int]) -> np.ndarray:
    """The (d_N, d_0) entries of the diagonal output gram of the diagonal minimum ``diag`` (N, m).

    Entry (i, j) is sum_k a_{k,i}^2 b_{k,j}^2 with a_{k,i} = prod_{l>k} w_{l,i} and
    b_{k,j} = prod_{l<k} w_{l,j} for indices below m; for output (input) indices
    i >= m (j >= m) only the identity A_N (B_1) contributes. Whitened data.
    """
    depth, m = diag.shape
    dn, d0 = int(widths[-1]), int(widths[0])
    sq = diag**2
    after = np.zeros((depth, dn))  # a_{k,i}^2
    before = np.zeros((depth, d0))  # b_{k,j}^2
    after[-1, :] = 1.0
    before[0, :] = 1.0
    for k in range(depth - 2, -1, -1):
        after[k, :m] = after[k + 1, :m] * sq[k + 1]
    for k in range(1, depth):
        before[k, :m] = before[k - 1, :m] * sq[k - 1]
    return after.T @ before


def diagonal_sharpness(diag: np.ndarray, widths: Sequence[int]) -> float:
    """lambda_max at the diagonal minimum with diagonals ``diag`` (N, m): the largest :func:`diagonal_gram` entry.

    >>> diagonal_sharpness(np.array([[1.0, 0.1], [1.0, 5.0], [1.0, 0.0]]), [2, 2, 2, 2])   # theorems.md caveat
    3.0
    """
    return float(np.max(diagonal_gram(diag, widths)))


def balanced_minimum(target: Array, widths: Sequence[int], rng: np.random.Generator | None = None) -> list[np.ndarray]:
    """A balanced global minimum W_k = Q_k S^(1/N) Q_{k-1}^T (theory id balanced-attains-bound).

    Hidden frames Q_k are random orthogonal when ``rng`` is given, the identity otherwise.

    >>> w = balanced_minimum(np.diag([8.0, 1.0]), [2, 2, 2, 2])
    >>> [np.round(np.diag(wk), 12).tolist() for wk in w]
    [[2.0, 1.0], [2.0, 1.0], [2.0, 1.0]]
    """
    t, dims, rank = _check(target, widths)
    sv = _singular_values(t, min(dims), rank)
    return _embed(t, dims, _balanced_diagonals(sv, len(dims) - 1), rng)


def gauge_minimum(
    target: Array, widths: Sequence[int], rng: np.random.Generator, *, condition: float = 10.0
) -> list[np.ndarray]:
    """A random, generally unbalanced global minimum: W_k -> G_k W_k G_{k-1}^{-1} applied to a balanced one.

    G_1..G_{N-1} are random invertible (d_k, d_k) matrices with singular values
    log-uniform in [condition^(-1/2), condition^(1/2)] (so cond(G_k) <= condition);
    G_0 = G_N = I. The inverses are formed from the factors, not by inversion.
    """
    if not (np.isfinite(condition) and condition >= 1):
        raise InputError(f"condition must be a finite number >= 1, got {condition}")
    weights = balanced_minimum(target, widths, rng)
    half = 0.5 * np.log(condition)
    inverse_prev = None
    out = []
    for k, w in enumerate(weights):
        if k < len(weights) - 1:
            d = w.shape[0]
            sv = np.exp(rng.uniform(-half, half, size=d))
            left, right = _orthogonal(rng, d), _orthogonal(rng, d)
            gauge, inverse = (left * sv) @ right.T, (right / sv) @ left.T
        else:
            gauge, inverse = None, None
        w = w if gauge is None else gauge @ w
        out.append(w if inverse_prev is None else w @ inverse_prev)
        inverse_prev = inverse
    return out


def _skewed_diagonals(
    sv: np.ndarray, depth: int, rank: int, scale: float, noise: np.ndarray, zero_layers: np.ndarray
) -> np.ndarray:
    """Diagonals with log w_{k,i} = log sigma_i / N + scale * noise[k, i] for the non-top directions.

    Directions with sigma_i = 0 (i >= rank) get magnitude s^(1/N) e^(scale noise) and
    one zero layer (``zero_layers[i]``) so that their product stays 0.
    """
    diag = _balanced_diagonals(sv, depth)
    top = sv >= sv[0] * (1 - _TOP_TIE)
    for i in range(len(sv)):
        if top[i] and i < rank:
            continue
        if i < rank:
            diag[:, i] = np.exp(np.log(sv[i]) / depth + scale * noise[:, i])
        else:
            diag[:, i] = sv[0] ** (1.0 / depth) * np.exp(scale * noise[:, i])
            diag[zero_layers[i], i] = 0.0
    return diag


def flattest_unbalanced_minimum(
    target: Array, widths: Sequence[int], rng: np.random.Generator, *, skew: float = 1.0, margin: float = 1e-2
) -> list[np.ndarray]:
    """A flattest (lambda_max = N s^(2-2/N), whitened) but unbalanced global minimum.

    The top singular direction is factored evenly (the coupled path); every other
    direction i < min width gets layer gains sigma_i^(1/N) e^(t skew z_{k,i}) with
    random centred z (directions with sigma_i = 0: one layer zero, the others
    nonzero, as in theorems.md's caveat example). The largest t <= 1 keeping every
    other gram entry below (1 - margin) N s^(2-2/N) is found by bisection on the exact
    :func:`diagonal_sharpness`, so the result is flattest with a spectral gap. When
    min width = 1 or all directions tie with the top, the result is balanced.
    """
    t, dims, rank = _check(target, widths)
    if rank == 0:
        raise InputError("T = 0: every global minimum has lambda_max = 0 for N >= 2; nothing to skew")
    depth, m = len(dims) - 1, min(dims)
    sv = _singular_values(t, m, rank)
    noise = rng.standard_normal((depth, m))
    noise -= noise.mean(axis=0)
    zero_layers = rng.integers(0, depth, size=m)
    flattest = diagonal_sharpness(_balanced_diagonals(sv, depth), dims)
    top_out, top_in = np.zeros(dims[-1], dtype=bool), np.zeros(dims[0], dtype=bool)
    top_out[:rank] = top_in[:rank] = sv[:rank] >= sv[0] * (1 - _TOP_TIE)
    not_top_pair = ~(top_out[:, None] & top_in[None, :])

    def others(scale: float) -> float:
        """The largest gram entry outside the top-top block (that block does not depend on scale)."""
        gram = diagonal_gram(_skewed_diagonals(sv, depth, rank, scale * skew, noise, zero_layers), dims)
        return float(np.max(gram[not_top_pair], initial=0.0))

    limit = max((1 - margin) * flattest, others(0.0))

    def feasible(scale: float) -> bool:
        return others(scale) <= limit

    lo, hi = 0.0, 1.0
    if not feasible(hi):
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if feasible(mid) else (lo, mid)
    else:
        lo = hi
    return _embed(t, dims, _skewed_diagonals(sv, depth, rank, lo * skew, noise, zero_layers), rng)


def near_flattest_minimum(
    target: Array, widths: Sequence[int], delta: float, rng: np.random.Generator
) -> list[np.ndarray]:
    """A global minimum with sharpness ratio lambda_max / (N s^(2-2/N)) = 1 + delta (whitened).

    The top direction's layer gains are s^(1/N) e^(t z_k) with random centred z; t
    is found by bisection on the exact :func:`diagonal_sharpness` so that the ratio is
    1 + delta to float64 precision. Needs N >= 2 and T != 0.
    """
    t, dims, rank = _check(target, widths)
    if not (np.isfinite(delta) and delta >= 0):
        raise InputError(f"delta must be finite and >= 0, got {delta}")
    depth = len(dims) - 1
    if depth == 1 and delta > 0:
        raise InputError("depth N = 1 has a single global minimum (W_1 = T): no sharper minimum exists")
    if rank == 0:
        raise InputError("T = 0: the flattest sharpness is 0, so no sharpness ratio can be set")
    sv = _singular_values(t, min(dims), rank)
    base = _balanced_diagonals(sv, depth)
    flattest = diagonal_sharpness(base, dims)
    z = rng.standard_normal(depth)
    z -= z.mean()
    z /= np.linalg.norm(z) if np.linalg.norm(z) > 0 else 1.0
    goal = (1.0 + delta) * flattest

    def diagonals(scale: float) -> np.ndarray:
        diag = base.copy()
        diag[:, 0] = sv[0] ** (1.0 / depth) * np.exp(scale * z)
        return diag

    lo, hi = 0.0, 1.0
    while delta > 0 and diagonal_sharpness(diagonals(hi), dims) < goal:
        hi *= 2.0
    for _ in range(200 if delta > 0 else 0):  # invariant: sharpness(lo) <= goal < sharpness(hi)
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if diagonal_sharpness(diagonals(mid), dims) <= goal else (lo, mid)
    return _embed(t, dims, diagonals(lo), rng)
