"""One output gram in every arithmetic: numeric.gram.gram_matrix on floats, mpmath, intervals and SymPy agree.

Theory id output-gram-spectrum. The four engines that need G (numeric, symbolic,
symbolic.precise, the verify arithmetics) all form it with ``gram_matrix`` in one
vectorisation order (row-major) and re-index with ``column_major`` where they
vectorise column-major; these tests pin that down with exact comparisons.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from wideminima.numeric import gram_factors, output_gram, products_after, products_before
from wideminima.numeric.gram import column_major, gram_matrix
from wideminima.property_tests.arithmetic import FLOAT64, Interval, MultiPrecision
from wideminima.symbolic import output_gram as exact_output_gram
from wideminima.symbolic import precise_output_gram
from wideminima.symbolic.exact import rational_matrix
from wideminima.symbolic.matrix import chain_product

EPS = float(np.finfo(np.float64).eps)


def _exact(x: object) -> sp.Rational:
    """An mpmath number (mpf, or a degenerate interval end) as the exact Rational it is (mantissa 2^exponent)."""
    with mpmath.workprec(1024):  # far above the 50-digit (~170-bit) mantissas: the conversion is exact
        m = mpmath.mpf(x)
    man, exp = m.man_exp  # |m| = man 2^exp (unsigned)
    magnitude = sp.Integer(int(man)) * sp.Integer(2) ** int(exp)
    return -magnitude if m < 0 else magnitude


def _dyadic_weights() -> list[np.ndarray]:
    """Entries k/8 with |k| <= 16, widths (3, 2, 4, 2): every product and sum of G is exact in float64."""
    rng = np.random.default_rng(0)
    dims = [3, 2, 4, 2]
    return [rng.integers(-16, 17, size=(dims[k + 1], dims[k])) / 8.0 for k in range(len(dims) - 1)]


def _rough_weights() -> list[np.ndarray]:
    """Entries that are not dyadic (thirds, sevenths): float64 rounds, the exact G differs from it by ulps."""
    rng = np.random.default_rng(1)
    dims = [2, 3, 3, 2]
    return [rng.integers(-9, 10, size=(dims[k + 1], dims[k])) / np.array(3.0 + 4.0 * (k % 2)) for k in range(3)]


def test_sympy_gram_equals_float_gram_exactly_on_a_dyadic_instance() -> None:
    ws = _dyadic_weights()
    exact = exact_output_gram([rational_matrix(w, "W") for w in ws])  # column-major vec, exact rationals
    floats = output_gram(ws)  # row-major vec, float64
    dn, d0 = ws[-1].shape[0], ws[0].shape[1]
    reindexed = column_major(floats, dn, d0)
    # Exact equality: every entry of G is a sum of products of multiples of 1/8 small enough to be exact in float64.
    assert all(sp.Rational(float(x)) == e for x, e in zip(reindexed.reshape(-1), exact))
    assert reindexed.shape == exact.shape
    # Independent references with np.kron (the definitions of the two vecs), exact on this instance.
    pairs = [(a @ a.T, b.T @ b) for a, b in zip(products_after(ws), products_before(ws))]
    np.testing.assert_array_equal(floats, sum(np.kron(left, right) for left, right in pairs))  # row-major
    np.testing.assert_array_equal(reindexed, sum(np.kron(right, left) for left, right in pairs))  # column-major


def test_orders_are_a_permutation_of_each_other() -> None:
    ws = _rough_weights()
    row = output_gram(ws)
    col = FLOAT64.output_gram(FLOAT64.matrices(ws))
    dn, d0 = ws[-1].shape[0], ws[0].shape[1]
    # Same entries, same float bits: re-indexing computes nothing.
    np.testing.assert_array_equal(column_major(row, dn, d0), col)
    # The matrix-free G (row-major, GramFactors.apply) is the dense one applied to vec(M) = M.reshape(-1).
    m = np.random.default_rng(2).standard_normal((1, dn, d0))
    applied = gram_factors(ws).apply(m).reshape(-1)
    np.testing.assert_allclose(applied, row @ m.reshape(-1), rtol=0, atol=8 * EPS * np.linalg.norm(row, 2) * np.linalg.norm(m))


def test_interval_and_50_digit_grams_enclose_and_match_the_exact_gram() -> None:
    ws = _rough_weights()
    exact = exact_output_gram([rational_matrix(w, "W") for w in ws])  # of the float64 numbers taken exactly
    iv, mp = Interval(), MultiPrecision()
    with iv.active():
        box = iv.output_gram(iv.matrices(ws))
    with mp.active():
        fifty = mp.output_gram(mp.matrices(ws))
    floats = FLOAT64.output_gram(FLOAT64.matrices(ws))
    scale = float(np.max(np.abs(floats)))
    for b, m, f, e in zip(box.reshape(-1), fifty.reshape(-1), floats.reshape(-1), exact):
        lo, hi = _exact(b.a), _exact(b.b)
        assert lo <= e <= hi  # the interval G encloses the exact G
        # 50 digits: inputs exact, a few roundings at 2^-166 relative to the largest term
        assert abs(_exact(m) - e) <= sp.Rational(1, 10**45) * scale
        # float64: about (N + d) roundings of eps relative to the largest entry
        assert abs(sp.Rational(float(f)) - e) <= 16 * EPS * scale


def test_precise_gram_matches_the_exact_gram_to_50_digits() -> None:
    ws = _rough_weights()
    exact_ws = [rational_matrix(w, "W") for w in ws]
    exact = exact_output_gram(exact_ws)
    gram = precise_output_gram(ws)  # whitened: exact inputs, products rounded at 60 digits
    scale = max(abs(e) for e in exact)
    assert all(abs(_exact(gram[i, j]) - exact[i, j]) <= sp.Rational(1, 10**50) * scale
               for i in range(exact.rows) for j in range(exact.cols))
    # With Sigma_x (irrational square root): tr G = sum_k ||A_k||_F^2 tr(Sigma_x B_k^T B_k) exactly.
    sigma_x = np.array([[2.0, 0.5], [0.5, 1.0]])
    sx, d0 = rational_matrix(sigma_x, "Sigma_x"), exact_ws[0].cols
    trace = sum(
        (chain_product(exact_ws[k + 1 :], exact_ws[k].rows).norm() ** 2)
        * (sx * chain_product(exact_ws[:k], d0).T * chain_product(exact_ws[:k], d0)).trace()
        for k in range(len(exact_ws))
    )
    gram = precise_output_gram(ws, sigma_x)
    with mpmath.workdps(60):
        total = mpmath.fsum(gram[i, i] for i in range(gram.rows))
        assert abs(total - mpmath.mpf(trace.p) / trace.q) <= mpmath.mpf(10) ** -48 * abs(total)


def test_gram_matrix_is_generic_over_the_entries() -> None:
    x, y = sp.symbols("x y", real=True)
    after = [np.array([[y]], dtype=object), np.array([[1]], dtype=object)]
    before = [np.array([[1]], dtype=object), np.array([[x]], dtype=object)]
    assert sp.expand(gram_matrix(after, before)[0, 0] - (x**2 + y**2)) == 0  # scalar net W = (x, y): G = x^2 + y^2
