"""50-digit values of the quantities of the theory for concrete float64 instances.

Inputs are converted exactly (every float64 is a rational); the quantity is computed
exactly in SymPy where it is rational (loss, gradient, Hessian, output gram when
Sigma_x = I) and evaluated to ``dps`` digits; eigenvalues and roots come from mpmath at
``dps + 10`` working digits. Theory ids: scalar-closed-form, output-gram-spectrum,
hessian-gauss-newton, balanced-attains-bound.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import mpmath
import numpy as np
import numpy.typing as npt
import sympy as sp

from wideminima.errors import InputError
from wideminima.numeric.gram import column_major, gram_matrix
from wideminima.numeric.moments import Moments
from wideminima.numeric.network import check_weights

from ._checks import check_depth, check_dps
from .exact import check_global_minimum, exact_moments, rational_matrix
from .matrix import MatrixNetwork, chain_product, concrete_network, object_array
from .multiprecision import mp_lambda_max

__all__ = [
    "evaluate",
    "precise_flattest_sharpness",
    "precise_gradient",
    "precise_hessian",
    "precise_loss",
    "precise_output_gram",
    "precise_sharpness",
]

DEFAULT_DPS = 50


def _to_mp(m: sp.MatrixBase, dps: int) -> Any:
    with mpmath.workdps(dps):
        return mpmath.matrix([[mpmath.mpf(x.p) / x.q if x.is_Rational else mpmath.mpf(sp.N(x, dps + 10)) for x in row] for row in m.tolist()])


def evaluate(expr: Any, values: Mapping[sp.Symbol, float], *, dps: int = DEFAULT_DPS) -> Any:
    """``expr`` (SymPy expression or matrix) at the given float values, converted exactly, to ``dps`` digits.

    >>> from wideminima.symbolic import scalar_network
    >>> net = scalar_network(2)
    >>> w1, w2 = net.weights
    >>> evaluate(net.sharpness_at_minimum(), {w1: 0.1, w2: 3.0, net.sigma: 1.0}, dps=30)  # 9 + fl(0.1)^2
    9.01000000000000000111022302463
    """
    check_dps(dps)
    exact = {}
    for sym, value in values.items():
        if not np.isfinite(value):
            raise InputError(f"value of {sym} must be finite, got {value}")
        exact[sym] = sp.Rational(float(value))
    return sp.sympify(expr).subs(exact).evalf(dps)


def _network(weights: Sequence[npt.ArrayLike], moments: Moments | None) -> MatrixNetwork:
    ws = [rational_matrix(w, f"W{k}") for k, w in enumerate(check_weights(weights), 1)]
    sx, target = exact_moments(moments, chain_product(ws))
    return concrete_network(ws, target=target, sigma_x=sx)


def precise_loss(weights: Sequence[npt.ArrayLike], moments: Moments | None = None, *, dps: int = DEFAULT_DPS) -> Any:
    """L(W) - L* = 1/2 tr((W_{N:1} - T) Sigma_x (W_{N:1} - T)^T) to ``dps`` digits (exact rational first).

    >>> import numpy as np
    >>> float(precise_loss([np.array([[2.0]]), np.array([[3.0]])], None))   # at a minimum of its own T
    0.0
    """
    net = _network(weights, moments)
    value = sp.nsimplify(net.loss())
    with mpmath.workdps(check_dps(dps)):
        return mpmath.mpf(value.p) / value.q


def precise_gradient(weights: Sequence[npt.ArrayLike], moments: Moments | None = None, *, dps: int = DEFAULT_DPS) -> list[Any]:
    """[dL/dW_1, ..., dL/dW_N] (dL/dW_k = A_k^T (W_{N:1} - T) Sigma_x B_k^T) as mpmath matrices.

    >>> import numpy as np
    >>> from wideminima.numeric import Moments
    >>> [float(g[0, 0]) for g in precise_gradient([np.array([[2.0]]), np.array([[3.0]])], Moments.whitened(np.array([[5.0]])))]
    [3.0, 2.0]
    """
    net = _network(weights, moments)
    dps = check_dps(dps)
    return [_to_mp(net.gradient_block(k), dps) for k in range(1, net.depth + 1)]


def precise_hessian(weights: Sequence[npt.ArrayLike], moments: Moments | None = None, *, dps: int = DEFAULT_DPS) -> Any:
    """The full Hessian (residual term included) as an mpmath matrix; exact rational before rounding.

    Parameter order: layer by layer, each layer column-major (``wideminima.symbolic.matrix``).
    """
    return _to_mp(_network(weights, moments).hessian(), check_dps(dps))


def _sigma_sqrt(sx: sp.MatrixBase, dps: int) -> Any:
    """Sigma_x^{1/2} at dps + 10 digits (symmetric eigendecomposition of the exact Sigma_x)."""
    if sx == sp.eye(sx.rows):
        return mpmath.eye(sx.rows)
    with mpmath.workdps(dps + 10):
        eig, vec = mpmath.eigsy(_to_mp(sx, dps + 10))
        root = mpmath.diag([mpmath.sqrt(x) for x in eig])
        return vec * root * vec.T


def _gram_array(weights: Sequence[npt.ArrayLike], sigma_x: npt.ArrayLike | None, dps: int) -> np.ndarray:
    """G (column-major vec) as a NumPy object array of mpf at ``dps + 10`` digits (call inside ``mpmath.workdps(dps + 10)``).

    A_k and B_k are exact rational products rounded once; Sigma_x^{1/2} is :func:`_sigma_sqrt`.
    """
    ws = [rational_matrix(w, f"W{k}") for k, w in enumerate(check_weights(weights), 1)]
    d0 = ws[0].cols
    sx = sp.eye(d0) if sigma_x is None else rational_matrix(sigma_x, "Sigma_x")
    if sx.shape != (d0, d0):
        raise InputError(f"Sigma_x has shape {sx.shape}, expected {(d0, d0)}")
    c = object_array(_sigma_sqrt(sx, dps))
    after = [object_array(_to_mp(chain_product(ws[k + 1 :], ws[-1].rows), dps + 10)) for k in range(len(ws))]
    before = [object_array(_to_mp(chain_product(ws[:k], d0), dps + 10)) @ c for k in range(len(ws))]
    return column_major(gram_matrix(after, before), ws[-1].rows, d0)


def precise_output_gram(weights: Sequence[npt.ArrayLike], sigma_x: npt.ArrayLike | None = None, *, dps: int = DEFAULT_DPS) -> Any:
    """G = sum_k (Sigma_x^{1/2} B_k^T B_k Sigma_x^{1/2}) kron (A_k A_k^T) as an mpmath matrix (theory id output-gram-spectrum).

    Column-major vec, like the rest of this engine: formed by
    :func:`wideminima.numeric.gram.gram_matrix` (the one implementation of G) on mpf
    entries at ``dps + 10`` working digits and re-indexed by
    :func:`wideminima.numeric.gram.column_major`.
    """
    check_dps(dps)
    with mpmath.workdps(dps + 10):
        return mpmath.matrix(_gram_array(weights, sigma_x, dps).tolist())


def precise_sharpness(weights: Sequence[npt.ArrayLike], moments: Moments | None = None, *, dps: int = DEFAULT_DPS) -> Any:
    """lambda_max of the Hessian at a global minimum, to ``dps`` digits, via the output gram.

    Raises NotAGlobalMinimumError / NoExactFactorizationError when the point is not a global minimum.

    >>> import numpy as np
    >>> w = [np.array([[2.0, 0.0], [0.0, 1.0]])] * 2            # balanced, T = diag(4, 1)
    >>> precise_sharpness(w) == 8                               # N s^(2 - 2/N) = 2 * 4
    True
    """
    net = _network(weights, moments)
    check_global_minimum(list(net.weights), net.target)
    sigma_x = None if moments is None else moments.sigma_x
    check_dps(dps)
    with mpmath.workdps(dps + 10):
        top = mp_lambda_max(_gram_array(weights, sigma_x, dps))
    with mpmath.workdps(dps):
        return +top


def precise_flattest_sharpness(target: npt.ArrayLike, depth: int, *, dps: int = DEFAULT_DPS) -> Any:
    """N s^(2 - 2/N), s the largest singular value of the exact T, to ``dps`` digits (whitened data).

    >>> import numpy as np
    >>> precise_flattest_sharpness(np.diag([4.0, 1.0]), 2) == 8
    True
    """
    n = check_depth(depth)
    t = rational_matrix(target, "T")
    check_dps(dps)
    with mpmath.workdps(dps + 10):
        gram = _to_mp(t.T * t, dps + 10)
        s2 = max(mpmath.eigsy(gram, eigvals_only=True))
        value = n * mpmath.power(s2, 1 - mpmath.mpf(1) / n)  # s^(2-2/N) = (s^2)^(1-1/N)
    with mpmath.workdps(dps):
        return +value
