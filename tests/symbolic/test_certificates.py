"""Interval certificates for lambda_max (symbolic/certificates.py)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wideminima.errors import InputError
from wideminima.symbolic import (
    certify_lambda_max_above,
    certify_lambda_max_below,
    lambda_max_enclosure,
)

EPS = np.finfo(np.float64).eps


def _exact_top_eigenvalue(g: np.ndarray) -> mpmath.mpf:
    """lambda_max of the float64 matrix, every entry taken exactly, at 60 digits."""
    with mpmath.workdps(60):
        m = mpmath.matrix([[mpmath.mpf(float(x)) for x in row] for row in g])
        return max(mpmath.eigsy(m, eigvals_only=True))


def _gram(seed: int, n: int, rank: int) -> np.ndarray:
    """A symmetric positive semidefinite matrix of the given rank (many zero eigenvalues, as at minima)."""
    a = np.random.default_rng(seed).standard_normal((n, rank))
    g = a @ a.T
    return (g + g.T) / 2


def test_two_by_two_decides_at_the_exact_eigenvalue() -> None:
    g = np.array([[2.0, 1.0], [1.0, 2.0]])  # eigenvalues 1 and 3 exactly
    assert certify_lambda_max_above(g, 3.0).holds
    assert not certify_lambda_max_above(g, 3.0 + 4 * EPS * 3).holds
    assert certify_lambda_max_below(g, 3.0 + 4 * EPS * 3).holds
    assert not certify_lambda_max_below(g, 3.0).holds  # lambda_max = 3 is not < 3


def test_one_ulp_apart_is_resolved() -> None:
    top = 1.0 + EPS  # the float right after 1
    g = np.diag([1.0, top])
    assert certify_lambda_max_above(g, top, vector=np.array([0.0, 1.0])).holds
    assert not certify_lambda_max_above(g, 1.0 + 2 * EPS, vector=np.array([0.0, 1.0])).holds
    assert certify_lambda_max_below(g, 1.0 + 2 * EPS).holds
    assert not certify_lambda_max_below(g, top).holds


def test_mpmath_bound_between_floats() -> None:
    g = np.diag([0.5, 1.0])
    with mpmath.workdps(40):
        just_above = mpmath.mpf(1) + mpmath.mpf(10) ** -30
        just_below = mpmath.mpf(1) - mpmath.mpf(10) ** -30
    assert certify_lambda_max_below(g, just_above).holds
    assert not certify_lambda_max_below(g, just_below).holds
    assert certify_lambda_max_above(g, just_below).holds
    assert not certify_lambda_max_above(g, just_above).holds


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 9), rank=st.integers(1, 9))
def test_enclosure_contains_the_exact_top_eigenvalue(seed: int, n: int, rank: int) -> None:
    g = _gram(seed, n, min(rank, n))
    box = lambda_max_enclosure(g)
    exact = _exact_top_eigenvalue(g)
    with mpmath.workdps(60):
        lo, hi = mpmath.mpf(box.a), mpmath.mpf(box.b)
        assert lo <= exact <= hi
        # Tight: the width is within the largest margin tried (1024 n^2 eps ||G||_max) plus rounding.
        assert hi - lo <= 2048 * n * n * EPS * float(np.max(np.abs(g)))
        beyond = hi + (hi - lo) + EPS * hi
    # Each certificate proves what the enclosure says, and refuses the opposite.
    assert certify_lambda_max_above(g, lo).holds
    assert certify_lambda_max_below(g, beyond).holds
    assert not certify_lambda_max_above(g, beyond).holds
    assert not certify_lambda_max_below(g, lo).holds


def test_certificate_fields() -> None:
    cert = certify_lambda_max_below(np.eye(3), 1.5, dps=30)
    assert cert.holds and cert.dps == 30 and cert.method == "interval Cholesky of b*I - G"
    assert cert.enclosure.a <= 1 <= cert.enclosure.b <= 1.5
    assert mpmath.iv.prec == 53  # the global interval precision is restored


def test_asymmetry_at_rounding_level_is_accepted() -> None:
    g = np.array([[2.0, 1.0], [1.0 + 2 * EPS, 2.0]])
    assert certify_lambda_max_above(g, 3.0).holds


@pytest.mark.parametrize(
    ("gram", "bound", "kwargs", "match"),
    [
        (np.array([[1.0, 0.5], [0.0, 1.0]]), 1.0, {}, "not symmetric"),
        (np.array([[np.nan, 0.0], [0.0, 1.0]]), 1.0, {}, "non-finite"),
        (np.ones(3), 1.0, {}, "square"),
        (np.eye(2), float("inf"), {}, "bound"),
        (np.eye(2), "three", {}, "bound"),
        (np.eye(2), 1.0, {"vector": np.zeros(2)}, "zero norm"),
        (np.eye(2), 1.0, {"vector": np.ones(3)}, "vector"),
        (np.eye(2), 1.0, {"dps": 5}, "dps"),
    ],
)
def test_bad_input(gram: np.ndarray, bound: object, kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        certify_lambda_max_above(gram, bound, **kwargs)
