"""The three arithmetics agree: intervals enclose the 50-digit values, which agree with float64."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest

from wideminima.property_tests.arithmetic import FLOAT64, Interval, MultiPrecision, upper_end


def _symmetric(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    return a @ a.T


@pytest.mark.parametrize("seed", range(4))
def test_lambda_max_interval_encloses_50_digit_value(seed: int) -> None:
    g = _symmetric(seed, 5)
    mp, iv = MultiPrecision(), Interval()
    with mp.active():
        exact = mp.lambda_max(mp.array(g))
    with iv.active():
        box = iv.lambda_max(iv.array(g))
        assert box.a <= exact <= box.b
        assert float(box.b - box.a) <= 1e-12 * float(exact)  # tight: Rayleigh below, Cholesky above
    # float64 eigenvalues are backward stable: within a few n eps ||G||
    assert abs(FLOAT64.lambda_max(g) - float(exact)) <= 8 * 5 * np.finfo(float).eps * float(exact)


def test_interval_lambda_max_covers_a_box_of_matrices() -> None:
    g = _symmetric(7, 4)
    iv = Interval()
    with iv.active():
        wide = np.vectorize(lambda x: iv.iv.mpf([x - 1e-9, x + 1e-9]), otypes=[object])(g)
        box = iv.lambda_max(wide)
        for shift in (-1e-9, 1e-9):
            value = max(np.linalg.eigvalsh(g + shift * np.eye(4)))
            assert box.a <= value <= box.b


def test_fractional_powers_enclose() -> None:
    iv, mp = Interval(), MultiPrecision()
    with mp.active():
        exact = mp.power(mp.scalar(2.5), Fraction(4, 3))
        exact_neg = mp.power(mp.scalar(2.5), Fraction(-1, 2))
    with iv.active():
        box = iv.power(iv.scalar(2.5), Fraction(4, 3))
        neg = iv.power(iv.scalar(2.5), Fraction(-1, 2))
        zero = iv.power(iv.iv.mpf([0, 1]), Fraction(1, 3))
        assert box.a <= exact <= box.b and neg.a <= exact_neg <= neg.b
        assert zero.a == 0 and zero.b >= 1
    assert np.isclose(FLOAT64.power(2.5, Fraction(4, 3)), float(exact), rtol=4 * np.finfo(float).eps)


def test_singular_values_agree() -> None:
    t = np.array([[3.0, 1.0], [0.5, 2.0], [0.0, 1.0]])
    mp, iv = MultiPrecision(), Interval()
    with mp.active():
        s = mp.top_singular_value(mp.array(t))
        u, v = mp.top_singular_pair(mp.array(t))
        assert abs(u @ mp.array(t) @ v - s) < mpmath.mpf(10) ** -45
    with iv.active():
        box = iv.top_singular_value(iv.array(t))
        assert box.a <= s <= box.b
    assert np.isclose(FLOAT64.top_singular_value(t), float(s), rtol=8 * np.finfo(float).eps)


def test_exact_conversion_and_upper_end() -> None:
    mp = MultiPrecision()
    with mp.active():
        assert mp.array([0.1])[0] == mpmath.mpf(0.1)  # the binary value of 0.1, not 1/10
    iv = Interval()
    with iv.active():
        third = iv.scalar(Fraction(1, 3))
    with mpmath.workdps(60):
        assert upper_end(third) >= 1 / 3 and third.a <= mpmath.mpf(1) / 3 <= third.b


def test_interval_norm_of_a_vector_straddling_zero() -> None:
    # an exactly zero residual computed with rounding: every entry is a tiny interval around 0
    iv = Interval()
    with iv.active():
        tiny = iv.iv.mpf([-1e-60, 2e-60])
        box = iv.norm(np.array([tiny, tiny], dtype=object))
        assert box.a == 0 and 0 < box.b <= 3e-60
        assert iv.norm(iv.array([3.0, 4.0])) == 5
