"""Exact conversion of float64 inputs to SymPy rationals, and the global-minimum test on them.

Every float64 number is a dyadic rational, so ``sympy.Rational(float(x))`` is exact:
statements proven about the converted matrices are statements about the very
numbers the user passed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import sympy as sp

from wideminima.errors import InputError, NoExactFactorizationError, NotAGlobalMinimumError
from wideminima.numeric.moments import Moments

from .matrix import chain_product

__all__ = ["MINIMUM_RTOL", "check_global_minimum", "exact_moments", "rational_matrix"]

# A global minimum given in float64 has W_{N:1} = T only up to rounding: the exact product
# of float factors differs from T by about N d eps relative (~1e-14 for small networks);
# 1e-10 also admits minima reached by training to convergence and rejects points that
# are visibly not minima.
MINIMUM_RTOL = 1e-10


def rational_matrix(x: npt.ArrayLike, name: str) -> sp.ImmutableMatrix:
    """The float64 matrix ``x`` with every entry converted exactly to a Rational.

    >>> rational_matrix([[0.5, 0.1]], "W")
    Matrix([[1/2, 3602879701896397/36028797018963968]])
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise InputError(f"{name} must be a matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise InputError(f"{name} has non-finite entries (NaN or inf)")
    return sp.ImmutableMatrix(a.shape[0], a.shape[1], [sp.Rational(float(v)) for v in a.reshape(-1)])


def exact_moments(moments: Moments | None, product: sp.MatrixBase) -> tuple[sp.ImmutableMatrix, sp.ImmutableMatrix]:
    """(Sigma_x, T) exactly; ``moments`` None means whitened with T = ``product``."""
    if moments is None:
        return sp.ImmutableMatrix(sp.eye(product.cols)), sp.ImmutableMatrix(product)
    sx = rational_matrix(moments.sigma_x, "Sigma_x")
    target = sp.ImmutableMatrix(rational_matrix(moments.sigma_yx, "Sigma_yx") * sx.inv())
    if target.shape != product.shape:
        raise InputError(f"T has shape {target.shape} but the network maps {product.cols} -> {product.rows}")
    return sx, target


def check_global_minimum(weights: list[sp.MatrixBase], target: sp.MatrixBase) -> None:
    """Raise unless the exact product of ``weights`` equals ``target`` to MINIMUM_RTOL relative.

    NoExactFactorizationError when some width is below rank(T) (no global minimum exists),
    NotAGlobalMinimumError when the point is not one.
    """
    widths = [weights[0].cols] + [w.rows for w in weights]
    t = np.array(target.tolist(), dtype=np.float64)
    rank = int(np.linalg.matrix_rank(t)) if t.size else 0
    if min(widths) < rank:
        raise NoExactFactorizationError(f"widths {widths}: the smallest is below rank(T) = {rank}; no global minimum exists")
    gap = float(sp.sqrt(sum(x**2 for x in (chain_product(weights) - target))))
    scale = max(float(sp.sqrt(sum(x**2 for x in target))), np.finfo(np.float64).tiny)
    if gap > MINIMUM_RTOL * scale:
        raise NotAGlobalMinimumError(
            f"weights are not a global minimum: ||W_N...W_1 - T||_F / ||T||_F = {gap / scale:.3g} > {MINIMUM_RTOL:g}"
        )
