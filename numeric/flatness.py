"""Closed-form flatness limits: the flattest sharpness, the proven lower bound, the near-balance band.

Theory ids: sharpness-lower-bound, balanced-attains-bound (whitened: every global
minimum has lambda_max >= N s^(2-2/N), with equality at balanced minima) and
near-balance (the interval confining rho_k = (s^(1/N) / r_k)^2).

For a general Sigma_x, :func:`flattest_bound` is the exact flattest sharpness
F(T, Sigma_x, N) of flattest-value-general (``numeric.flattest_general``): the
bilinear-lower-bound run in Sigma_x^{1/2} coordinates gives, for every unit v,

    lambda_max >= N ||T Sigma_x^{1/2} v||^(2-2/N) (v^T Sigma_x v)^(1/N),

and its maximum over v is attained by a global minimum. With Sigma_x = I and v the
top right singular vector this is N s^(2-2/N).
"""

from __future__ import annotations

import math

import numpy as np

from wideminima.errors import InputError
from wideminima.types import Array

from ._backend import as_float_array, to_numpy
from .flattest_general import flattest_value
from .moments import Moments
from .network import check_weights, end_to_end

__all__ = [
    "top_singular_pair",
    "flattest_sharpness",
    "flattest_bound",
    "balanced_sharpness",
    "near_balance_interval",
    "numerical_rank",
]


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
    """The flattest sharpness over all global minima of this depth and data: a proven lower bound, attained.

    Whitened (or ``moments`` None): N s^(2-2/N) (balanced-attains-bound). Otherwise
    F(T, Sigma_x, N) = N max_{||v||=1} ||T Sigma_x^{1/2} v||^(2-2/N) (v^T Sigma_x v)^(1/N),
    computed as a global maximum by :func:`~wideminima.numeric.flattest_value`
    (flattest-value-general; float64, seen within a few 1e-16 of the 50-digit value).
    """
    depth = len(weights)
    if moments is None or moments.is_whitened:
        if moments is None:
            target = to_numpy(end_to_end(check_weights(weights)))
        else:
            target = moments.target
        return flattest_sharpness(target, depth)
    return flattest_value(moments.target, moments.sigma_x, depth).value


def balanced_sharpness(target: Array, sigma_x: Array | None, depth: int) -> float:
    """lambda_max at every balanced global minimum, for any Sigma_x (theory id balanced-sharpness-general).

    B = lambda_max(Sigma_x^{1/2} V diag(c) V^T Sigma_x^{1/2}), c_j = sum_{k=1}^N s^(2(N-k)/N) sigma_j^(2(k-1)/N)
    with T = U diag(sigma) V^T (V full; sigma_j = 0 beyond the numerical rank, 0^0 = 1) and
    s = sigma_1: the output gram of a balanced minimum is block diagonal over T's left
    singular directions and its top block is the one of s. F <= B <= cond(Sigma_x) F, and
    B = F = N s^(2-2/N) when Sigma_x = I. One d_0 x d_0 eigenvalue problem. Sigma_x None: I.

    >>> round(balanced_sharpness(np.diag([2.0, 0.5]), np.diag([1.0, 4.0]), 2), 12)   # F = 5 there
    10.0
    """
    if isinstance(depth, bool) or int(depth) != depth or depth < 1:
        raise InputError(f"depth must be an integer >= 1, got {depth!r}")
    n = int(depth)
    t = as_float_array(to_numpy(target), "T", ndim=2)
    moments = Moments.whitened(t) if sigma_x is None else Moments.from_target(t, sigma_x)
    _, sv, right_t = np.linalg.svd(t)
    sigma = np.zeros(t.shape[1])
    rank = numerical_rank(t)
    sigma[:rank] = sv[:rank]
    powers = [sigma[0] ** (2.0 * (n - k) / n) * sigma ** (2.0 * (k - 1) / n) for k in range(1, n + 1)]
    weights = np.sum(powers, axis=0)  # NumPy's 0.0 ** 0.0 == 1.0 is the identity B_1 = I
    root = moments.sigma_x_sqrt
    gram = root @ ((right_t.T * weights) @ right_t) @ root
    return float(np.linalg.eigvalsh((gram + gram.T) / 2)[-1])


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
