"""Closed-form flatness limits: the flattest sharpness, the proven lower bound, the near-balance band.

Theory ids: sharpness-lower-bound, balanced-attains-bound (whitened: every global
minimum has lambda_max >= N s^(2-2/N), with equality at balanced minima) and
near-balance (the interval confining rho_k = (s^(1/N) / r_k)^2).

For a general Sigma_x, :func:`flattest_bound` uses the bilinear-lower-bound with the
proof of sharpness-lower-bound run in Sigma_x^{1/2} coordinates: for every unit v,
with T~ = T Sigma_x^{1/2} and u = T~ v / ||T~ v||, the terms
alpha_k = ||A_k^T u|| ||B_k Sigma_x^{1/2} v|| satisfy prod_k alpha_k >=
||T~ v||^(N-1) ||Sigma_x^{1/2} v|| (Cauchy-Schwarz, telescoping), so by AM-GM

    lambda_max >= N ||T~ v||^(2-2/N) (v^T Sigma_x v)^(1/N)      for every unit v.

With Sigma_x = I and v the top right singular vector this is N s^(2-2/N).
"""

from __future__ import annotations

import math

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import as_float_array, to_numpy
from .moments import Moments
from .network import check_weights, end_to_end

__all__ = ["top_singular_pair", "flattest_sharpness", "flattest_bound", "near_balance_interval", "numerical_rank"]


def numerical_rank(matrix: Array) -> int:
    """rank of ``matrix``: singular values above max(shape) * eps * sigma_1 (NumPy's default rule)."""
    sv = np.linalg.svd(to_numpy(matrix), compute_uv=False)
    if sv.size == 0 or sv[0] == 0.0:
        return 0
    return int(np.sum(sv > max(np.shape(matrix)) * np.finfo(np.float64).eps * sv[0]))


def top_singular_pair(target: Array) -> tuple[float, np.ndarray, np.ndarray]:
    """(s, u, v): the largest singular value of T and unit vectors with T v = s u, T^T u = s v.

    Signs are fixed so that the largest-magnitude entry of v is positive (reproducible).

    >>> s, u, v = top_singular_pair(np.diag([1.0, 3.0]))
    >>> s, u.tolist(), v.tolist()
    (3.0, [0.0, 1.0], [0.0, 1.0])
    """
    t = as_float_array(to_numpy(target), "T", ndim=2)
    left, sv, right_t = np.linalg.svd(t)
    u, v = left[:, 0], right_t[0]
    sign = 1.0 if v[np.argmax(np.abs(v))] >= 0 else -1.0
    return float(sv[0]), sign * u, sign * v


def flattest_sharpness(target: Array, depth: int) -> float:
    """N s^(2 - 2/N): the smallest lambda_max over all global minima, whitened data (balanced-attains-bound).

    >>> flattest_sharpness(np.diag([4.0, 1.0]), 2)   # 2 * 4^(1)
    8.0
    """
    if int(depth) != depth or depth < 1:
        raise InputError(f"depth must be an integer >= 1, got {depth}")
    s = top_singular_pair(target)[0]
    return float(depth * s ** (2.0 - 2.0 / depth))


def flattest_bound(weights: Array, moments: Moments | None = None) -> float:
    """The best lower bound on lambda_max the toolkit proves for minima of this depth and data.

    Whitened (or ``moments`` None): N s^(2-2/N) (sharpness-lower-bound; attained, so it is
    the flattest sharpness). Otherwise max over candidate unit v of
    N ||T Sigma_x^{1/2} v||^(2-2/N) (v^T Sigma_x v)^(1/N) (module docstring), the
    candidates being the right singular vectors of T Sigma_x^{1/2} and the
    eigenvectors of Sigma_x. This bound is proven; it need not be attained.
    """
    depth = len(weights)
    if moments is None or moments.is_whitened:
        if moments is None:
            target = to_numpy(end_to_end(check_weights(weights)))
        else:
            target = moments.target
        return flattest_sharpness(target, depth)
    sigma_x = moments.sigma_x
    scaled = moments.target @ moments.sigma_x_sqrt
    candidates = np.concatenate([np.linalg.svd(scaled)[2], np.linalg.eigh(sigma_x)[1].T])
    gains = np.linalg.norm(candidates @ scaled.T, axis=1)  # ||T~ v|| per candidate row v
    energies = np.einsum("ij,jk,ik->i", candidates, sigma_x, candidates)
    if depth == 1:
        return float(np.max(energies))
    return float(np.max(depth * gains ** (2.0 - 2.0 / depth) * energies ** (1.0 / depth)))


def near_balance_interval(delta: float, depth: int) -> tuple[float, float]:
    """The interval of rho in rho + (N-1) rho^(-1/(N-1)) <= (1 + delta) N (theory id near-balance).

    rho_k = (s^(1/N) / r_k)^2 lies in it at every global minimum with
    lambda_max <= (1 + delta) N s^(2-2/N). Endpoints by bisection to full float64
    precision (geometric midpoints while the bracket spans more than a factor 4, so a
    lower end like 1e-77 at N = 100 is resolved too); a lower end below the smallest
    positive float is returned as 0.0. The interval is {1} at delta = 0 and for N = 1.

    >>> near_balance_interval(0.0, 3)
    (1.0, 1.0)
    >>> lo, hi = near_balance_interval(0.5, 2)   # rho + 1/rho <= 3
    >>> round(lo * hi, 12), round(lo + hi, 12)
    (1.0, 3.0)
    """
    if int(depth) != depth or depth < 1:
        raise InputError(f"depth must be an integer >= 1, got {depth}")
    if not (np.isfinite(delta) and delta >= 0):
        raise InputError(f"delta must be finite and >= 0, got {delta}")
    if depth == 1 or delta == 0:
        return 1.0, 1.0
    n = float(depth)
    level = (1.0 + delta) * n

    def excess(rho: float) -> float:
        return rho + (n - 1.0) * rho ** (-1.0 / (n - 1.0)) - level

    def root(inside: float, outside: float) -> float:
        for _ in range(200):  # bisection: excess(inside) <= 0 < excess(outside)
            if max(inside, outside) > 4 * min(inside, outside):  # wide bracket: halve its logarithm
                mid = math.sqrt(inside) * math.sqrt(outside)
            else:
                mid = 0.5 * (inside + outside)
            if mid in (inside, outside):
                break
            inside, outside = (mid, outside) if excess(mid) <= 0 else (inside, mid)
        return inside

    hi_out = level  # excess(level) > 0 since the second term is positive
    lo_out = level ** (-(n - 1.0))  # then (N-1) rho^(-1/(N-1)) = (N-1) level > level
    if lo_out == 0.0:  # underflow (deep network, large delta): start from the smallest positive float
        lo_out = math.ulp(0.0)
        if excess(lo_out) <= 0:
            return 0.0, root(1.0, hi_out)
    return root(1.0, lo_out), root(1.0, hi_out)
