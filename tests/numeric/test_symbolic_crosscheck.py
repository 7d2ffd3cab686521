"""The numeric engine against the symbolic one, exactly, on small rational networks.

The symbolic Hessian (SymPy, exact rationals) is rounded once to float64; the numeric
one is computed in float64 from the same rational weights. Their difference is pure
rounding of O(1) sums of products: a few ulps of ||H||.
"""

from __future__ import annotations

import numpy as np
import pytest

sp = pytest.importorskip("sympy")

from wideminima.numeric import Moments, dense_hessian, output_gram  # noqa: E402
from wideminima.symbolic import concrete_network  # noqa: E402
from wideminima.symbolic import output_gram as exact_output_gram  # noqa: E402

EPS = np.finfo(np.float64).eps
R = sp.Rational

W1 = [[R(1, 2), R(-1, 3)], [R(2), R(1, 4)]]
W2 = [[R(3, 2), R(1)], [R(-1, 2), R(2, 3)]]
SIGMA_X = [[R(2), R(1, 2)], [R(1, 2), R(1)]]
TARGET = [[R(1), R(-1, 5)], [R(1, 3), R(2)]]  # not the product: a point away from the minimum


def _floats(rows: list[list[sp.Rational]]) -> np.ndarray:
    return np.array([[float(x) for x in row] for row in rows])


def test_full_hessian_matches_sympy_away_from_a_minimum() -> None:
    net = concrete_network([sp.Matrix(W1), sp.Matrix(W2)], target=sp.Matrix(TARGET), sigma_x=sp.Matrix(SIGMA_X))
    exact = np.array(net.hessian().evalf(30).tolist(), dtype=np.float64)
    moments = Moments.from_target(_floats(TARGET), _floats(SIGMA_X))
    numeric = dense_hessian([_floats(W1), _floats(W2)], moments)
    # The symbolic parameter order is column-major per layer, the numeric one row-major.
    perm = [4 * layer + j * 2 + i for layer in range(2) for i in range(2) for j in range(2)]
    exact = exact[np.ix_(perm, perm)]
    # float64 inputs are the rationals rounded (eps relative), T = Sigma_yx Sigma_x^-1 is recomputed
    # (cond(Sigma_x) ~ 2.6): a few tens of ulps of ||H||.
    np.testing.assert_allclose(numeric, exact, rtol=0, atol=64 * EPS * np.linalg.norm(exact, 2))


def test_output_gram_matches_sympy_at_a_minimum() -> None:
    weights = [sp.Matrix(W1), sp.Matrix(W2), sp.Matrix([[R(1, 3), R(1)], [R(2), R(-1)]])]
    exact = exact_output_gram(weights)  # column-major vec: (B^T B) kron (A A^T)
    numeric = output_gram([_floats(w.tolist()) for w in weights])  # row-major vec: (A A^T) kron (B^T B)
    d = 2
    perm = [j * d + i for i in range(d) for j in range(d)]  # row-major index (i, j) -> column-major j d + i
    exact_rowmajor = np.array(exact.evalf(30).tolist(), dtype=np.float64)[np.ix_(perm, perm)]
    np.testing.assert_allclose(numeric, exact_rowmajor, rtol=0, atol=64 * EPS * np.linalg.norm(exact_rowmajor, 2))
