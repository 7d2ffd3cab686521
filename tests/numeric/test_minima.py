"""Minima generators: exact factorization, flatness as designed, rectangular widths, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wideminima.errors import InputError, NoExactFactorizationError
from wideminima.numeric import (
    balanced_minimum,
    coupling,
    dense_hessian,
    diagonal_sharpness,
    end_to_end,
    flattest_sharpness,
    flattest_unbalanced_minimum,
    gauge_minimum,
    global_minimum_test,
    imbalance,
    near_flattest_minimum,
    path_residuals,
    sharpness,
)

EPS = np.finfo(np.float64).eps
WIDTHS = [[3, 3], [3, 2, 4], [3, 5, 2, 6, 4], [3, 4, 4, 4, 4, 4, 4]]


def _target(rng: np.random.Generator, dn: int, d0: int, rank: int) -> np.ndarray:
    return rng.standard_normal((dn, rank)) @ rng.standard_normal((rank, d0))


@pytest.mark.parametrize("dims", WIDTHS)
def test_every_generator_factors_the_target(dims: list[int]) -> None:
    rng = np.random.default_rng(len(dims))
    target = _target(rng, dims[-1], dims[0], min(dims))
    generators = [
        balanced_minimum(target, dims),
        balanced_minimum(target, dims, rng),
        gauge_minimum(target, dims, rng),
        flattest_unbalanced_minimum(target, dims, rng),
        near_flattest_minimum(target, dims, 0.2 if len(dims) > 2 else 0.0, rng),
    ]
    for weights in generators:
        assert [w.shape for w in weights] == [(dims[k + 1], dims[k]) for k in range(len(dims) - 1)]
        assert global_minimum_test(weights, None).is_minimum
        # W_{N:1} = T up to rounding of the construction (SVD, frames, gauge): a few hundred eps.
        assert np.linalg.norm(end_to_end(weights) - target) <= 1e3 * EPS * np.linalg.norm(target) * len(dims)


@pytest.mark.parametrize("dims", WIDTHS[1:])
def test_flattest_unbalanced_minima_are_flattest_coupled_and_unbalanced(dims: list[int]) -> None:
    """theory ids balanced-attains-bound and coupling-at-flattest (the caveat: flattest needs no balance)."""
    rng = np.random.default_rng(sum(dims))
    target = _target(rng, dims[-1], dims[0], 2)
    weights = flattest_unbalanced_minimum(target, dims, rng)
    flattest = flattest_sharpness(target, len(dims) - 1)
    # Dense eigh of the (<= 16)-square output gram: ~n eps ||G|| (seen <= 20 eps over 300 seeds).
    assert abs(sharpness(weights).lambda_max - flattest) <= 1e-13 * flattest
    assert np.max(imbalance(weights)) > 1e-2  # genuinely unbalanced
    # The coupled path: its relations hold to rounding (relative, O(N) products of O(s^(1/N)) factors).
    assert np.max(path_residuals(weights)) <= 1e3 * EPS * len(dims)
    np.testing.assert_allclose(coupling(weights), 1.0, rtol=0, atol=1e-12)


@pytest.mark.parametrize("delta", [1e-6, 1e-3, 0.5, 3.0])
def test_near_flattest_minima_have_the_requested_ratio(delta: float) -> None:
    rng = np.random.default_rng(int(delta * 1e6))
    dims = [4, 5, 3, 4]
    target = _target(rng, 4, 4, 3)
    weights = near_flattest_minimum(target, dims, delta, rng)
    ratio = sharpness(weights).lambda_max / flattest_sharpness(target, 3)
    # Bisection to full precision on the closed form; the 16-square output gram is diagonalized
    # densely (~n eps ||G||; seen <= 15 eps over 300 seeds). No Lanczos is involved at this size.
    assert sharpness(weights).method == "dense-gram"
    assert abs(ratio - (1 + delta)) <= 1e-13 * (1 + delta)


def test_theory_caveat_example_is_flattest_with_a_larger_middle_layer() -> None:
    """coupling-at-flattest caveat: N = 3, T = diag(1, 0), ||W_2|| = 5 but lambda_max = 3."""
    weights = [np.diag([1.0, 0.1]), np.diag([1.0, 5.0]), np.diag([1.0, 0.0])]
    assert diagonal_sharpness(np.array([[1.0, 0.1], [1.0, 5.0], [1.0, 0.0]]), [2, 2, 2, 2]) == 3.0
    assert abs(sharpness(weights).lambda_max - 3.0) <= 1e-14 * 3
    assert np.max(path_residuals(weights)) == 0.0


@pytest.mark.parametrize("c", [0.5, 1.0, 2.0, 2.1, 0.4])
def test_theory_fact_diag_4_1(c: float) -> None:
    """theorems.md: T = diag(4, 1), W_1 = diag(2, 1/c), W_2 = diag(2, c) is flattest iff 1/2 <= c <= 2."""
    weights = [np.diag([2.0, 1 / c]), np.diag([2.0, c])]
    top = sharpness(weights).lambda_max
    dense = np.linalg.eigvalsh(dense_hessian(weights))[-1]
    assert abs(top - dense) <= 1e-12 * dense
    assert abs(top - max(8.0, 4 + c**2, 4 + 1 / c**2)) <= 1e-13 * top
    assert (abs(top - 8.0) <= 1e-13 * 8) == (0.5 <= c <= 2.0)


@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_gauge_minima_are_never_flatter_than_balanced(depth: int, rank: int, seed: int) -> None:
    """sharpness-lower-bound over random gauge-transformed minima (rectangular widths)."""
    rng = np.random.default_rng(seed)
    dims = [3] + list(rng.integers(rank, rank + 3, size=depth - 1)) + [3]
    target = _target(rng, 3, 3, rank)
    flattest = flattest_sharpness(target, depth)
    # The 9 x 9 output gram is diagonalized densely: lambda_max is exact to ~9 eps ||G||, and where
    # the bound is nearly attained ||G|| ~ flattest (equality for N = 1). 1e-12 leaves ~500x that;
    # seen over 3000 seeds: no negative margin at all.
    assert sharpness(gauge_minimum(target, dims, rng)).lambda_max >= flattest * (1 - 1e-12)


def test_bad_widths_and_targets() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(NoExactFactorizationError, match="below rank\\(T\\) = 2"):
        balanced_minimum(np.eye(2), [2, 1, 2])
    with pytest.raises(InputError, match="must start with d_0 = 3"):
        balanced_minimum(np.ones((2, 3)), [2, 2])
    with pytest.raises(InputError, match="positive integers"):
        gauge_minimum(np.eye(2), [2, 0, 2], rng)
    with pytest.raises(InputError, match="T contains NaN"):
        balanced_minimum(np.array([[np.nan]]), [1, 1])
    with pytest.raises(InputError, match="condition must be"):
        gauge_minimum(np.eye(2), [2, 2, 2], rng, condition=0.5)
    with pytest.raises(InputError, match="delta must be"):
        near_flattest_minimum(np.eye(2), [2, 2, 2], -0.1, rng)
    with pytest.raises(InputError, match="single global minimum"):
        near_flattest_minimum(np.eye(2), [2, 2], 0.1, rng)
    with pytest.raises(InputError, match="T = 0"):
        flattest_unbalanced_minimum(np.zeros((2, 2)), [2, 2, 2], rng)
