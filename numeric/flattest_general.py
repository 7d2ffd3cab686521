"""The flattest sharpness for any input covariance, as a certified global maximum, and minima that attain it.

Theory id: flattest-value-general. With p = 1 - 1/N, q = 1/N, T~ = T Sigma_x^{1/2},
A = T~^T T~ and S = Sigma_x (all (d_0, d_0)), for unit v write a(v) = v^T A v and
b(v) = v^T S v. The flattest sharpness over all global minima of depth N is

    F(T, Sigma_x, N) = N max_{||v|| = 1} a(v)^p b(v)^q                      (primal)
                     = min_{t > 0} N lambda_max(t A + S) / ((t/p)^p q^(-q))   (dual)
                     = min_{x > 0} lambda_max(x S + (N-1) x^(-1/(N-1)) A),

and the last form is lambda_max at ``numeric.minima.carrier_minimum`` with scale x: the first
layer carries T, the later layers are scaled isometries. Every unit v gives a lower
bound N a^p b^q <= F and every t > 0 an upper bound (weighted AM-GM and
Courant-Fischer); they meet at the optimum (theorems.md, flattest-value-general).

Algorithm. In s = log t the dual's logarithm h(s) = log lambda_max(e^s A + S) - p s
is convex (a maximum over v of log-sum-exp of affine functions of s), with
h'(s) = e^s a(v_s) / lambda_max - p at the top eigenvector v_s (one-sided where the
top eigenvalue is repeated). Brent's method finds
the root of h' (about ten top eigenpairs of a d_0 x d_0 matrix; SciPy's syevr
computes just those when installed, NumPy's full eigh otherwise). At the root the maximizing v lies in the top
eigenspace E of M = t A + S, where t a + b is constant: on E the primal is a
concave function of b alone, maximized at b = q lambda_max clipped to the range of
S on E, which a combination of S's extreme eigenvectors on E attains. E is taken
as the top 1, 2 and 3 eigenvectors of M and the best witness kept, so a top
eigenvalue repeated at the optimum (commuting A and S) is handled.

Returned numbers: ``value`` is the primal at the witness v (a lower end, attained
by v up to the rounding of evaluating it), ``upper`` the dual at the root (an upper
end up to the rounding of one eigenvalue); ``upper - value`` measures the float64
accuracy (seen: a few ulps). For 50 digits and a rigorous enclosure see
``wideminima.symbolic.flattest_certificate``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from wideminima.errors import InputError

from ._backend import as_float_array
from .moments import Moments

__all__ = ["FlattestValue", "flattest_value", "carrier_sharpness", "dual_scale_to_carrier"]

# Bracket search on s = log t: h' has the sign of -p at s -> -inf and of q at s -> +inf;
# widening by 4 per step from the first guess reaches any t in (e^-700, e^700).
_BRACKET_STEPS = 200
# The root search stops when the bracket on s is below this (relative to max(1, |s|)): the dual is
# quadratic in the error of s at a smooth optimum, so 1e-13 leaves it at rounding level.
_S_TOL = 1e-13


@dataclass(frozen=True)
class FlattestValue:
    """F(T, Sigma_x, N) and everything that certifies it (theory id flattest-value-general).

    value : N a(v)^p b(v)^q at ``direction`` (primal; F >= value up to float64 rounding).
    upper : N lambda_max(t A + S) / ((t/p)^p q^(-q)) at ``weight`` (dual; F <= upper up to rounding).
    direction : unit v (d_0,), the maximizing direction in the coordinates of
        v^T Sigma_x v and ||T Sigma_x^{1/2} v|| (Sigma_x^{1/2} symmetric).
    weight : the dual weight t > 0 (None for N = 1 or T = 0, where no t is needed).
    scale : x = ((N-1)/t)^p, the scale at which ``carrier_minimum`` attains F (None as for ``weight``).
    evaluations : top-eigenpair computations used.
    """

    value: float
    upper: float
    direction: np.ndarray
    weight: float | None
    scale: float | None
    evaluations: int

    @property
    def gap(self) -> float:
        """(upper - value) / upper: the float64 accuracy of ``value`` (0 when F = 0)."""
        return (self.upper - self.value) / self.upper if self.upper > 0 else 0.0


@functools.lru_cache(maxsize=1)
def _scipy_eigh() -> Any:
    """scipy.linalg.eigh (the optional ``fast`` extra, imported on first use), or None."""
    try:
        from scipy.linalg import eigh
    except ImportError:
        return None
    return eigh


def _check_depth(depth: Any) -> int:
    if isinstance(depth, bool) or int(depth) != depth or depth < 1:
        raise InputError(f"depth must be an integer >= 1, got {depth!r}")
    return int(depth)


def _problem(target: Any, sigma_x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, S, T Sigma_x^{1/2}) validated; Sigma_x None means the identity."""
    t = as_float_array(target, "T", ndim=2)
    if sigma_x is None:
        return t, np.eye(t.shape[1]), t
    moments = Moments.from_target(t, sigma_x)  # validates: square, symmetric, positive definite
    return t, moments.sigma_x, t @ moments.sigma_x_sqrt


def _top(matrix: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``count`` largest eigenpairs of a symmetric matrix, largest first."""
    n = matrix.shape[0]
    count = min(count, n)
    sym = (matrix + matrix.T) / 2
    few = _scipy_eigh() if n > 64 else None
    if few is not None:  # LAPACK syevr for a few eigenpairs: ~3x faster at d = 1024
        eig, vec = few(sym, subset_by_index=[n - count, n - 1])
    else:
        eig, vec = np.linalg.eigh(sym)
        eig, vec = eig[n - count:], vec[:, n - count:]
    return eig[::-1], vec[:, ::-1]


def _root(func: Any, lo: float, hi: float) -> float:
    """A root of ``func`` bracketed by func(lo) < 0 <= func(hi): Brent's method (inverse quadratic
    interpolation, secant, bisection whenever those do not shrink the bracket fast enough), so a jump of
    func (a repeated top eigenvalue) costs only bisection steps. Stops at a bracket of _S_TOL or a zero."""
    a, b = lo, hi
    fa, fb = func(a), func(b)
    c, fc = a, fa
    d = e = b - a
    for _ in range(400):
        if (fb > 0) == (fc > 0):  # keep the root between b and c
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 0.5 * _S_TOL * max(1.0, abs(b))
        half = 0.5 * (c - b)
        if abs(half) <= tol or fb == 0:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s_ = fb / fa
            if a == c:  # secant
                num, den = 2.0 * half * s_, 1.0 - s_
            else:  # inverse quadratic interpolation
                q_, r_ = fa / fc, fb / fc
                num = s_ * (2.0 * half * q_ * (q_ - r_) - (b - a) * (r_ - 1.0))
                den = (q_ - 1.0) * (r_ - 1.0) * (s_ - 1.0)
            if num > 0:
                den = -den
            num = abs(num)
            if 2.0 * num < min(3.0 * half * den - abs(tol * den), abs(e * den)):
                e, d = d, num / den
            else:
                d = e = half
        else:
            d = e = half
        a, fa = b, fb
        b += d if abs(d) > tol else (tol if half > 0 else -tol)
        fb = func(b)
    return b


def _primal(a_form: np.ndarray, s_form: np.ndarray, v: np.ndarray, p: float, q: float) -> float:
    a, b = float(v @ a_form @ v), float(v @ s_form @ v)
    return max(a, 0.0) ** p * b**q


def _witness(vectors: np.ndarray, a_form: np.ndarray, s_form: np.ndarray, p: float, q: float) -> np.ndarray:
    """The best unit v found in span(vectors), a near-top eigenspace of t A + S (module docstring).

    On an exact eigenspace t a + b = lambda, so a is affine in b and a^p b^q is maximized
    at b = q lambda (clipped to the range of S there), attained by mixing the extreme
    eigenvectors of S restricted to the span (the S cross term vanishes; so does A's on an
    exact eigenspace). Candidates: that mix and the two extremes; the best primal wins.
    """
    if vectors.shape[1] == 1:
        return vectors[:, 0]
    s_small = vectors.T @ s_form @ vectors
    ev, ew = np.linalg.eigh((s_small + s_small.T) / 2)
    lo_vec, hi_vec = vectors @ ew[:, 0], vectors @ ew[:, -1]
    candidates = [lo_vec, hi_vec]
    span = float(ev[-1] - ev[0])
    if span > 0:
        a_lo, a_hi = float(lo_vec @ a_form @ lo_vec), float(hi_vec @ a_form @ hi_vec)
        slope = (a_hi - a_lo) / span  # a(b) = a_lo + slope (b - ev0) on an exact eigenspace
        b_star = float(ev[-1]) if slope >= 0 else -q * (a_lo - slope * float(ev[0])) / slope
        weight = min(max((b_star - float(ev[0])) / span, 0.0), 1.0)  # b = (1 - w) ev0 + w ev1
        candidates.append(math.sqrt(1.0 - weight) * lo_vec + math.sqrt(weight) * hi_vec)
    return max(candidates, key=lambda v: _primal(a_form, s_form, v / np.linalg.norm(v), p, q))


def flattest_value(target: Any, sigma_x: Any, depth: int) -> FlattestValue:
    """F(T, Sigma_x, N) = N max_{||v||=1} ||T Sigma_x^{1/2} v||^(2-2/N) (v^T Sigma_x v)^(1/N) (flattest-value-general).

    Parameters
    ----------
    target : T, shape (d_N, d_0).
    sigma_x : Sigma_x, shape (d_0, d_0), symmetric positive definite; None for the identity.
    depth : N >= 1.

    A global maximum with a dual certificate (module docstring); cost about ten top
    eigenpairs of a d_0 x d_0 matrix plus one symmetric square root.

    >>> r = flattest_value(np.diag([4.0, 1.0]), None, 2)   # whitened: N s^(2-2/N) = 2 * 4
    >>> round(r.value, 12), round(r.upper, 12)
    (8.0, 8.0)
    """
    n = _check_depth(depth)
    t, s_form, scaled = _problem(target, sigma_x)
    d = s_form.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        a_form = scaled.T @ scaled
    if not np.all(np.isfinite(a_form)):
        raise InputError("T Sigma_x^{1/2} is so large that (T Sigma_x^{1/2})^T (T Sigma_x^{1/2}) leaves the float64 "
                         "range; rescale T or Sigma_x")
    if n == 1 or not np.any(t):  # N = 1: F = lambda_max(S); T = 0: F = 0 for N >= 2
        eig, vec = _top(s_form, 1)
        value = float(eig[0]) if n == 1 else 0.0
        return FlattestValue(value, value, vec[:, 0], None, None, 1)
    p, q = 1.0 - 1.0 / n, 1.0 / n
    calls = [0]

    def slope(s: float) -> tuple[float, float, np.ndarray]:
        """(h'(s), lambda_max, top eigenvector) at t = e^s."""
        calls[0] += 1
        eig, vec = _top(math.exp(s) * a_form + s_form, 1)
        v = vec[:, 0]
        return math.exp(s) * float(v @ a_form @ v) / float(eig[0]) - p, float(eig[0]), v

    # first guess from the top right singular vector of T~: t with t a / p = b / q (AM-GM equality)
    v0 = _top(a_form, 1)[1][:, 0]
    s0 = math.log(p * float(v0 @ s_form @ v0) / (q * float(v0 @ a_form @ v0)))
    lo = hi = s0
    g0 = slope(s0)[0]
    for _ in range(_BRACKET_STEPS):
        if g0 < 0:
            hi += math.log(4.0) if hi == lo else (hi - lo)
            if slope(hi)[0] >= 0:
                break
            lo = hi
        else:
            lo -= math.log(4.0) if hi == lo else (hi - lo)
            if slope(lo)[0] < 0:
                break
            hi = lo
    else:  # h' changes sign on every finite instance (A != 0, S > 0) within e^(+-700) of the first guess
        raise InputError("could not bracket the dual optimum: T Sigma_x^{1/2} or Sigma_x spans more than the float64 "
                         "range; rescale them")
    root = _root(lambda s: slope(s)[0], lo, hi)
    weight = math.exp(root)
    eig, vec = _top(weight * a_form + s_form, min(3, d))
    calls[0] += 1
    dual = n * float(eig[0]) / ((weight / p) ** p * (1.0 / q) ** q)
    best, best_val = vec[:, 0], -1.0
    for size in range(1, vec.shape[1] + 1):
        v = _witness(vec[:, :size], a_form, s_form, p, q)
        v = v / np.linalg.norm(v)
        val = _primal(a_form, s_form, v, p, q)
        if val > best_val:
            best, best_val = v, val
    # the weight of AM-GM equality at the witness (t a / p = b / q): exact t* when v is exact, also where the
    # top eigenvalue is repeated at t* (h has a kink there, so Brent's root is only ~1e-13 accurate in s)
    a_best, b_best = float(best @ a_form @ best), float(best @ s_form @ best)
    if a_best > 0:
        witness_weight = p * b_best / (q * a_best)
        top = float(_top(witness_weight * a_form + s_form, 1)[0][0])
        calls[0] += 1
        witness_dual = n * top / ((witness_weight / p) ** p * (1.0 / q) ** q)
        if witness_dual < dual:
            dual, weight = witness_dual, witness_weight
    value = n * best_val
    return FlattestValue(value, max(dual, value), best, weight, dual_scale_to_carrier(weight, n), calls[0])


def dual_scale_to_carrier(weight: float, depth: int) -> float:
    """x = ((N-1)/t)^(1-1/N): the carrier scale whose lambda_max equals the dual at weight t (N >= 2)."""
    n = _check_depth(depth)
    if n < 2 or not (np.isfinite(weight) and weight > 0):
        raise InputError(f"need depth >= 2 and a finite weight t > 0, got depth {depth}, t = {weight}")
    return ((n - 1) / weight) ** (1.0 - 1.0 / n)


def carrier_sharpness(target: Any, sigma_x: Any, depth: int, scale: float) -> float:
    """lambda_max(x Sigma_x + (N-1) x^(-1/(N-1)) A), A = Sigma_x^{1/2} T^T T Sigma_x^{1/2}: the sharpness of
    ``numeric.minima.carrier_minimum`` at scale x (N >= 2), from one eigenvalue computation (flattest-value-general)."""
    n = _check_depth(depth)
    if n < 2:
        raise InputError("the carrier family needs depth N >= 2 (N = 1 has the single minimum W_1 = T)")
    if not (np.isfinite(scale) and scale > 0):
        raise InputError(f"scale x must be finite and > 0, got {scale}")
    _, s_form, scaled = _problem(target, sigma_x)
    matrix = scale * s_form + (n - 1) * scale ** (-1.0 / (n - 1)) * (scaled.T @ scaled)
    return float(_top(matrix, 1)[0][0])
