"""F(T, Sigma_x, N) to 50 digits inside a rigorous interval (theory id flattest-value-general).

F = N max_{||v||=1} a(v)^p b(v)^q with p = 1 - 1/N, q = 1/N, a(v) = ||T L v||^2,
b(v) = ||L v||^2 and L the Cholesky factor of Sigma_x (any factor with L L^T = Sigma_x
gives the same maximum, since L = Sigma_x^{1/2} Q with Q orthogonal).

1. The float64 solution (``wideminima.numeric.flattest_value``) gives a start w.
2. Newton's method at ``dps + 10`` digits on the stationarity equations of
   p log a + q log b on the sphere, g(w) = (p/a) A w + (q/b) S w - w = 0 with
   A = (T L)^T (T L), S = L^T L (w^T g = 0 forces ||w|| = 1). Its Jacobian is
   symmetric; a Levenberg-Marquardt shift of 10^-(dps/2) ||J||^2 keeps steps defined
   where the maximizer is not isolated (repeated top singular values, T = I, ...).
3. Rigorous enclosure in ``mpmath.iv``: L is enclosed by an interval Cholesky of
   Sigma_x (taken exactly from its float64 entries) unless a factor is given.
   Lower end: N a(w)^p b(w)^q at the refined w (any unit w gives a lower bound;
   w is normalized in intervals). Upper end: with t = p b / (q a) at w and mu just
   above t a + b, interval Cholesky of mu I - (t A + S) succeeding proves
   lambda_max(t A + S) < mu, hence F <= N mu / ((t/p)^p q^(-q)) (weighted AM-GM:
   a^p b^q <= (t a + b) / ((t/p)^p q^(-q)) for every unit v).

Cost: O(d^3) operations in mpmath (point and interval): a few seconds at d = 32,
about a minute at d = 64.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from wideminima.errors import InputError
from wideminima.numeric.flattest_general import flattest_value

from ._checks import check_depth, check_dps
from .certificates import _cholesky_succeeds, _interval_digits, interval_cholesky

__all__ = ["FlattestCertificate", "certify_flattest_value"]

_NEWTON_STEPS = 8


@dataclass(frozen=True)
class FlattestCertificate:
    """A proven enclosure of F(T, Sigma_x, N).

    value : ``mpmath.mpf``, the midpoint of the enclosure (carried at dps + 10 digits, so it lies inside it).
    enclosure : ``mpmath.iv.mpf`` [lower, upper] proven to contain F.
    digits : -log10(relative width of the enclosure) (inf when F = 0 exactly).
    weight : the dual weight t used for the upper end (None when N = 1 or T = 0).
    dps : decimal digits of the interval arithmetic.
    """

    value: Any
    enclosure: Any
    digits: float
    weight: Any
    dps: int


def _exact(matrix: np.ndarray, ctx: Any) -> list[list[Any]]:
    return [[ctx.mpf(float(x)) for x in row] for row in matrix]


def _matmul(x: list[list[Any]], y: list[list[Any]], zero: Any) -> list[list[Any]]:
    cols = list(zip(*y))
    return [[sum((a * b for a, b in zip(row, col)), zero) for col in cols] for row in x]


def _transpose(x: list[list[Any]]) -> list[list[Any]]:
    return [list(r) for r in zip(*x)]


def _gram_forms(t: list[list[Any]], low: list[list[Any]], zero: Any) -> tuple[list[list[Any]], list[list[Any]]]:
    """A = (T L)^T (T L) and S = L^T L."""
    tl = _matmul(t, low, zero)
    return _matmul(_transpose(tl), tl, zero), _matmul(_transpose(low), low, zero)


def _quad(form: list[list[Any]], w: list[Any], zero: Any) -> Any:
    return sum((w[i] * sum((form[i][j] * w[j] for j in range(len(w))), zero) for i in range(len(w))), zero)


def _newton(a_form: list[list[Any]], s_form: list[list[Any]], w: list[Any], p: Any, q: Any, dps: int) -> list[Any]:
    """Refine the stationary point of p log a + q log b on the sphere (module docstring, step 2)."""
    n = len(w)
    a_mat, s_mat = mpmath.matrix(a_form), mpmath.matrix(s_form)
    x = mpmath.matrix(w)
    relative_shift = mpmath.mpf(10) ** (-(dps // 2))
    for _ in range(_NEWTON_STEPS):
        aw, sw = a_mat * x, s_mat * x
        a, b = (x.T * aw)[0], (x.T * sw)[0]
        g = sw * (q / b) - x
        jac = s_mat * (q / b) - mpmath.eye(n) - (sw * sw.T) * (2 * q / b**2)
        if p != 0:  # N = 1 has p = 0: the stationarity equations of b alone (an eigenvector of S)
            g += aw * (p / a)
            jac += a_mat * (p / a) - (aw * aw.T) * (2 * p / a**2)
        if mpmath.norm(g) <= mpmath.mpf(10) ** (-(dps + 3)):
            break
        # Levenberg-Marquardt on the symmetric Jacobian: (J^2 + mu I) dx = -J g with mu = 10^-(dps/2) ||J||^2:
        # in directions where J is far from singular each step still gains dps/2 digits (error factor
        # mu / (sigma^2 + mu)), and along a null space (non-isolated maximizers) it does not move
        square = jac * jac
        shift = relative_shift * (1 + mpmath.mnorm(square, 1))
        step = mpmath.lu_solve(square + mpmath.eye(n) * shift, -(jac * g))
        x = x + step
    return [x[i] for i in range(n)]


def certify_flattest_value(target: Any, sigma_x: Any, depth: int, *, factor: Any = None,
                           dps: int = 50) -> FlattestCertificate:
    """Enclose F(T, Sigma_x, N) rigorously and to about ``dps`` digits (flattest-value-general).

    Parameters
    ----------
    target : T (d_N, d_0), float64 entries taken exactly.
    sigma_x : Sigma_x (d_0, d_0), taken exactly; None for the identity (ignored if ``factor`` is given).
    depth : N >= 1.
    factor : optional L (d_0, d_0) with Sigma_x = L L^T exactly (then no interval Cholesky is needed).
    dps : decimal digits (>= 15).

    >>> c = certify_flattest_value(np.diag([2.0, 0.5]), np.diag([1.0, 4.0]), 2, dps=30)
    >>> mpmath.nstr(c.value, 25), c.digits > 28     # F = 2 sqrt(2.5 * 2.5): v mixes both axes
    ('5.0', True)
    """
    n = check_depth(depth)
    dps = check_dps(dps)
    t_np = np.asarray(target, dtype=np.float64)
    if t_np.ndim != 2 or not np.all(np.isfinite(t_np)):
        raise InputError(f"T must be a finite 2-D array, got shape {t_np.shape}")
    d = t_np.shape[1]
    if factor is not None:
        low_np = np.asarray(factor, dtype=np.float64)
        if low_np.shape != (d, d) or not np.all(np.isfinite(low_np)):
            raise InputError(f"factor must be a finite ({d}, {d}) array, got shape {low_np.shape}")
        sigma_np = low_np @ low_np.T
    else:
        sigma_np = np.eye(d) if sigma_x is None else np.asarray(sigma_x, dtype=np.float64)
        low_np = None
    floatsol = flattest_value(t_np, sigma_np, n)
    p, q = mpmath.mpf(n - 1) / n, mpmath.mpf(1) / n
    with mpmath.workdps(dps + 10):
        t_mp = _exact(t_np, mpmath)
        if low_np is not None:
            low = _exact(low_np, mpmath)
        else:
            factor_mp = mpmath.cholesky(mpmath.matrix(_exact(sigma_np, mpmath)))  # validated PD by flattest_value
            low = [[factor_mp[i, j] for j in range(d)] for i in range(d)]
        a_form, s_form = _gram_forms(t_mp, low, mpmath.mpf(0))
        # the float64 direction is in Sigma_x^{1/2} coordinates; in L coordinates w = L^{-1} Sigma_x^{1/2} v
        eig, vec = np.linalg.eigh(sigma_np)
        root = (vec * np.sqrt(eig)) @ vec.T
        low_f = np.array([[float(x) for x in row] for row in low])
        w0 = np.linalg.solve(low_f, root @ floatsol.direction)
        w0 /= np.linalg.norm(w0)
        w = [mpmath.mpf(float(x)) for x in w0]
        if n == 1 or floatsol.weight is not None:
            w = _newton(a_form, s_form, w, p, q, dps + 10)
        a_pt = _quad(a_form, w, mpmath.mpf(0))
        b_pt = _quad(s_form, w, mpmath.mpf(0))
        weight = p * b_pt / (q * a_pt) if floatsol.weight is not None else None
    with _interval_digits(dps + 10) as iv:
        sigma_iv = _exact(sigma_np, iv)
        low_iv = _exact(low_np, iv) if low_np is not None else interval_cholesky(iv, sigma_iv)
        if low_iv is None:
            raise InputError(f"interval Cholesky of Sigma_x failed: it is too ill-conditioned for dps={dps}")
        a_iv, s_iv = _gram_forms(_exact(t_np, iv), low_iv, iv.mpf(0))
        w_iv = [iv.mpf(x) for x in w]
        norm2 = sum((x * x for x in w_iv), iv.mpf(0))
        a_val, b_val = _quad(a_iv, w_iv, iv.mpf(0)) / norm2, _quad(s_iv, w_iv, iv.mpf(0)) / norm2
        if floatsol.weight is None and n >= 2:  # T = 0: F = 0 exactly
            zero = iv.mpf(0)
            return FlattestCertificate(mpmath.mpf(0), zero, float("inf"), None, dps)
        p_iv, q_iv = iv.mpf(n - 1) / n, iv.mpf(1) / n
        lower = (n * (iv.exp(p_iv * iv.log(a_val)) * iv.exp(q_iv * iv.log(b_val)) if n >= 2 else b_val)).a
        t_iv = iv.mpf(weight) if weight is not None else iv.mpf(0)
        matrix = [[t_iv * a_iv[i][j] + s_iv[i][j] for j in range(d)] for i in range(d)]
        centre = (t_iv * a_val + b_val).b
        scale = abs(mpmath.mpf(centre))
        upper = None
        for exponent in (dps + 6, dps + 3, dps, dps - 4, 12):
            mu = (iv.mpf(centre) + iv.mpf(scale) * iv.mpf(10) ** (-exponent)).b
            if _cholesky_succeeds(iv, matrix, mu):
                mu_iv = iv.mpf(mu)
                if n >= 2:
                    denom = iv.exp(p_iv * iv.log(t_iv / p_iv)) * iv.exp(-q_iv * iv.log(q_iv))
                    upper = (n * mu_iv / denom).b
                else:
                    upper = mu_iv.b
                break
        if upper is None:
            raise InputError("the interval Cholesky certificate failed: the instance is too ill-conditioned for "
                             f"dps={dps}; raise dps")
        enclosure = iv.mpf([lower, upper])
    with mpmath.workdps(dps + 10):
        lo, hi = mpmath.mpf(lower), mpmath.mpf(upper)
        width = (hi - lo) / abs(lo + hi) * 2 if lo + hi != 0 else mpmath.mpf(0)
        digits = float("inf") if width <= 0 else float(-mpmath.log10(width))
        value = (lo + hi) / 2
    return FlattestCertificate(value, enclosure, digits, weight, dps)
