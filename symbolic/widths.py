"""Exact widths of a minimum along a direction, next to the quadratic approximation.

Theory (theorems.md, "Setting"): along a unit direction u the width at loss
tolerance delta is the largest t with L(W + t u) <= L* + delta. For a linear network

    p(s) = L(W + s D) - L* - delta

is a polynomial of degree <= 2N in s. Every float64 input (weights, direction, moments)
is converted to an exact rational, so p has exact rational coefficients; its real
roots are isolated exactly (SymPy's real-root isolation) and refined to ``dps`` digits.
Widths are reported for the unit direction u = D / ||D||_F: t = s ||D||_F.

Which side and which root (the decision this module documents):
- ``forward`` is the edge, along +u, of the sublevel set {L <= L* + delta} piece that
  contains W: the first t > 0 after which the loss exceeds the level. This is the
  width of the valley W sits in, and the number compared with the quadratic width.
- ``forward_largest`` is theorems.md's literal definition, the largest t >= 0 with
  L(W + t u) <= L* + delta (it differs from ``forward`` only when the loss comes back
  under the level further out).
- ``backward`` and ``backward_largest`` are the same along -u (reported as positive numbers).
- ``quadratic`` = sqrt(2 delta / (u^T H u)) with H the Hessian at W, given at a global
  minimum only (there the quadratic model is L* + 1/2 t^2 u^T H u). u^T H u is exact:
  it is the second derivative of p at 0.
Infinite widths (the loss never exceeds the level along the line) are ``mpmath.inf``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import numpy.typing as npt
import sympy as sp

from wideminima.errors import InputError, NoExactFactorizationError, NotAGlobalMinimumError
from wideminima.numeric.moments import Moments
from wideminima.numeric.network import check_weights

from ._checks import check_dps
from .exact import check_global_minimum, exact_moments, rational_matrix
from .matrix import chain_product

__all__ = ["Width", "exact_width", "quadratic_width"]

@dataclass(frozen=True)
class Width:
    """Exact widths along u = D/||D|| (see the module docstring); mpmath numbers at ``dps`` digits."""

    forward: Any
    backward: Any
    forward_largest: Any
    backward_largest: Any
    quadratic: Any | None
    curvature: Any
    polynomial: sp.Poly
    direction_norm: Any
    dps: int

    @property
    def ratio(self) -> Any | None:
        """forward / quadratic (None away from minima): how far the quadratic model is off."""
        if self.quadratic is None:
            return None
        return self.forward / self.quadratic


def _inputs(weights: Sequence[npt.ArrayLike], moments: Moments | None, direction: Sequence[npt.ArrayLike], delta: float) -> tuple[list, list, sp.Matrix, sp.Matrix, sp.Rational]:
    ws = check_weights(weights)
    if isinstance(direction, np.ndarray) and direction.ndim == 1:
        sizes = np.cumsum([0] + [w.size for w in ws])
        if direction.size != sizes[-1]:
            raise InputError(f"direction has {direction.size} entries, the network has {sizes[-1]} parameters")
        direction = [direction[a:b].reshape(w.shape) for a, b, w in zip(sizes[:-1], sizes[1:], ws)]
    if len(direction) != len(ws):
        raise InputError(f"direction must have one matrix per layer ({len(ws)}), got {len(direction)}")
    for k, (d, w) in enumerate(zip(direction, ws), 1):
        if np.shape(d) != w.shape:
            raise InputError(f"direction[{k - 1}] has shape {np.shape(d)}, W{k} has shape {w.shape}")
    rw = [rational_matrix(w, f"W{k}") for k, w in enumerate(ws, 1)]
    rd = [rational_matrix(d, f"direction[{k}]") for k, d in enumerate(direction)]
    if all(m.is_zero_matrix for m in rd):
        raise InputError("direction has zero norm")
    if isinstance(delta, bool) or not isinstance(delta, (int, float, np.floating, np.integer)) or not np.isfinite(delta) or delta <= 0:
        raise InputError(f"delta must be a finite number > 0, got {delta!r}")
    sx, target = exact_moments(moments, chain_product(rw))
    return rw, rd, sx, target, sp.Rational(float(delta))


def _excess_polynomial(rw: list, rd: list, sx: sp.Matrix, target: sp.Matrix, s: sp.Symbol) -> sp.Poly:
    """L(W + s D) - L* = 1/2 tr(E Sigma E^T), E = prod_k (W_k + s D_k) - T, as a polynomial in s over QQ."""
    from sympy.polys.matrices import DomainMatrix

    dom = sp.QQ[s]

    def lift(m: sp.Matrix) -> DomainMatrix:
        return DomainMatrix.from_Matrix(sp.Matrix(m)).convert_to(dom)

    prod = lift(rw[0] + s * rd[0])
    for w, d in zip(rw[1:], rd[1:]):
        prod = lift(w + s * d) * prod
    e = prod - lift(target)
    quad = e * lift(sx) * e.transpose()
    total = dom.zero
    for i in range(quad.shape[0]):
        total += quad[i, i].element
    return sp.Poly(dom.to_sympy(total) / 2, s, domain=sp.QQ)


def _mpf(x: sp.Rational) -> Any:
    return mpmath.mpf(x.p) / x.q


def _edges(p: sp.Poly, dps: int) -> tuple[Any, Any]:
    """(first exit, largest t) for s >= 0 of {p <= 0}, given p(0) <= 0; exact root isolation.

    Signs between roots are evaluated exactly at rational points strictly between the
    isolating intervals, so no decision rests on a rounded value.
    """
    if p.degree() <= 0:
        return mpmath.inf, mpmath.inf
    roots = [(a, b) for (a, b), _mult in p.intervals(inf=0) if b > 0]
    first_exit = None
    if p.eval(0) == 0 and p.eval((roots[0][0] if roots else 2) / 2) > 0:
        first_exit = (sp.S.Zero, sp.S.Zero)  # on the level set, and the loss rises right away
    for idx, (a, b) in enumerate(roots):
        nxt = roots[idx + 1][0] if idx + 1 < len(roots) else b + 1
        if first_exit is None and p.eval((b + nxt) / 2) > 0:
            first_exit = (a, b)
    largest = roots[-1] if roots and p.LC() > 0 else None

    def refine(interval: tuple[Any, Any] | None) -> Any:
        if interval is None:
            return mpmath.inf
        a, b = interval
        if a != b:
            a, b = p.refine_root(a, b, eps=sp.Rational(1, 10 ** (dps + 10)) * max(1, abs(b)))
        return (_mpf(a) + _mpf(b)) / 2

    with mpmath.workdps(dps + 10):
        return refine(first_exit), refine(largest)


def _quadratic(curvature: sp.Rational, rd: list, delta: float, dps: int) -> tuple[Any, Any, Any]:
    """(||D||, u^T H u, sqrt(2 delta / u^T H u)) at dps + 10 digits, u = D / ||D||."""
    with mpmath.workdps(dps + 10):
        norm = mpmath.sqrt(sum(_mpf(x) ** 2 for m in rd for x in m))
        unit = _mpf(curvature) / norm**2
        width = mpmath.inf if unit == 0 else mpmath.sqrt(2 * mpmath.mpf(float(delta)) / unit)
    return norm, unit, width


def _curvature(p: sp.Poly) -> sp.Rational:
    """p''(0) = D^T H D for the raw direction D."""
    return 2 * p.coeff_monomial(p.gen**2)


def exact_width(weights: Sequence[npt.ArrayLike], moments: Moments | None, direction: Sequence[npt.ArrayLike], delta: float, *, dps: int = 50) -> Width:
    """Exact widths of W along the unit direction u = D/||D|| at loss tolerance delta (``dps`` digits).

    ``weights`` [W_1..W_N] and ``direction`` [D_1..D_N] (same shapes, or one flat vector in
    the numeric engine's order) are float64; ``moments`` a ``wideminima.numeric.Moments``
    or None (whitened, T = the product of the weights). The point needs
    L(W) <= L* + delta. ``quadratic`` is filled at global minima.

    >>> import numpy as np
    >>> w = [np.array([[2.0]]), np.array([[2.0]])]         # L = (w1 w2 - 4)^2 / 2
    >>> d = [np.array([[1.0]]), np.array([[0.0]])]         # move w1 only: L = 2 t^2
    >>> r = exact_width(w, None, d, 0.5)
    >>> float(r.forward), float(r.backward), float(r.quadratic), float(r.ratio)
    (0.5, 0.5, 0.5, 1.0)
    """
    check_dps(dps)
    rw, rd, sx, target, level = _inputs(weights, moments, direction, delta)
    s = sp.Symbol("s", real=True)
    excess = _excess_polynomial(rw, rd, sx, target, s)
    p = excess - level
    if p.eval(0) > 0:
        raise InputError(f"L(W) - L* = {float(excess.eval(0)):.6g} exceeds delta = {delta}: W is outside the level set")
    forward, forward_largest = _edges(p, dps)
    backward, backward_largest = _edges(sp.Poly(p.as_expr().subs(s, -s), s, domain=sp.QQ), dps)
    norm, unit_curvature, quadratic = _quadratic(_curvature(p), rd, delta, dps)
    try:
        check_global_minimum(rw, target)
    except (NotAGlobalMinimumError, NoExactFactorizationError):
        quadratic = None
    with mpmath.workdps(dps + 10):
        scaled = [x * norm for x in (forward, backward, forward_largest, backward_largest)]
    with mpmath.workdps(dps):
        return Width(
            *[+x for x in scaled],
            quadratic=None if quadratic is None else +quadratic,
            curvature=+unit_curvature,
            polynomial=p,
            direction_norm=+norm,
            dps=dps,
        )


def quadratic_width(weights: Sequence[npt.ArrayLike], moments: Moments | None, direction: Sequence[npt.ArrayLike], delta: float, *, dps: int = 50) -> Any:
    """sqrt(2 delta / (u^T H u)) at a global minimum, u = D/||D||; exact u^T H u, ``dps`` digits.

    Raises NotAGlobalMinimumError away from minima and NoExactFactorizationError when a
    width is below rank(T).

    >>> import numpy as np
    >>> w = [np.array([[2.0]]), np.array([[2.0]])]
    >>> q = quadratic_width(w, None, [np.array([[1.0]]), np.array([[1.0]])], 0.5)   # u^T H u = (2+2)^2/2 = 8
    >>> mpmath.nstr(q, 40)                                   # sqrt(1/8) to 40 digits
    '0.3535533905932737622004221810524245196424'
    """
    check_dps(dps)
    rw, rd, sx, target, _level = _inputs(weights, moments, direction, delta)
    check_global_minimum(rw, target)
    curvature = _curvature(_excess_polynomial(rw, rd, sx, target, sp.Symbol("s", real=True)))
    _norm, _unit, width = _quadratic(curvature, rd, delta, dps)
    with mpmath.workdps(dps):
        return +width
