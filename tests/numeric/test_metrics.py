"""Path gains, near-balance band, imbalance and coupling."""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import near_balance
from wideminima.numeric import (
    balanced_minimum,
    coupling,
    flattest_sharpness,
    gauge_minimum,
    imbalance,
    layer_gains,
    near_balance,
    near_balance_interval,
    near_flattest_minimum,
    path_gains,
    path_residuals,
    sharpness,
    sharpness_ratio,
    top_singular_pair,
)


def test_path_gains_end_at_s_and_layer_gains_multiply_to_s() -> None:
    rng = np.random.default_rng(0)
    target = rng.standard_normal((3, 4))
    weights = gauge_minimum(target, [4, 5, 6, 3], rng)
    s = top_singular_pair(target)[0]
    gains = path_gains(weights)
    assert gains[0] == 1.0
    assert abs(gains[-1] - s) <= 1e-12 * s  # g_N = ||T v|| = s
    assert abs(np.prod(layer_gains(weights)) - s) <= 1e-12 * s


@pytest.mark.parametrize("delta", [0.01, 0.3, 2.0])
@pytest.mark.parametrize("depth", [2, 3, 5])
def test_near_balance_band_contains_every_minimum_of_that_sharpness(delta: float, depth: int) -> None:
    """theory id near-balance: s^2 sum r_k^-2 <= lambda_max, and rho_k in the band of the measured sharpness.

    The band is taken at each minimum's own ratio lambda_max / (N s^(2-2/N)) = 1 + delta'
    (delta' = delta up to rounding for the near-flattest one), so the check always runs.
    """
    rng = np.random.default_rng(depth)
    target = rng.standard_normal((3, 3))
    dims = [3] * (depth + 1)
    s = top_singular_pair(target)[0]
    for weights in (near_flattest_minimum(target, dims, delta, rng), gauge_minimum(target, dims, rng, condition=2.0)):
        top = sharpness(weights).lambda_max
        r = layer_gains(weights)
        assert s**2 * np.sum(r**-2.0) <= top * (1 + 1e-12)
        lo, hi = near_balance_interval(max(top / flattest_sharpness(target, depth) - 1, 0.0), depth)
        rho = s ** (2 / depth) / r**2
        # rho_k and the endpoints carry rounding of O(N) products and powers: 1e-12 relative.
        assert np.all((rho >= lo * (1 - 1e-12)) & (rho <= hi * (1 + 1e-12)))


@pytest.mark.parametrize("depth", [2, 3, 7, 100])  # N = 100, delta = 5: the lower end is ~1e-77
def test_near_balance_interval_endpoints_solve_the_equation(depth: int) -> None:
    for delta in (1e-8, 0.1, 5.0):
        lo, hi = near_balance_interval(delta, depth)
        assert lo < 1 < hi
        for rho in (lo, hi):
            value = rho + (depth - 1) * rho ** (-1 / (depth - 1))
            # Bisection to the last bit of rho; f' is O(1) at the endpoints except near delta = 0.
            assert abs(value - (1 + delta) * depth) <= 1e-12 * depth
    assert near_balance_interval(0.5, 1) == (1.0, 1.0)
    # N = 50, delta = 1e10: the lower end (~1e-490) lies below every positive float, so every
    # positive rho passes on that side: reported as 0.0.
    lo, hi = near_balance_interval(1e10, 50)
    tiny = np.nextafter(0.0, 1.0)
    assert lo == 0.0 and tiny + 49 * tiny ** (-1 / 49) <= (1 + 1e10) * 50 and hi > 1
    with pytest.raises(InputError, match="delta must be"):
        near_balance_interval(float("nan"), 2)


def test_imbalance_and_coupling_at_balanced_and_random_points() -> None:
    rng = np.random.default_rng(3)
    target = rng.standard_normal((4, 4))
    balanced = balanced_minimum(target, [4, 4, 4, 4], rng)
    assert np.max(imbalance(balanced)) <= 1e-14
    np.testing.assert_allclose(coupling(balanced), 1.0, rtol=0, atol=1e-12)
    assert np.max(path_residuals(balanced)) <= 1e-13
    generic = [rng.standard_normal((4, 4)) for _ in range(3)]
    c = coupling(generic)
    assert np.all((c > 0) & (c < 1 - 1e-3))
    assert np.all(imbalance(generic) > 0.05)


def test_coupling_is_basis_free_for_repeated_singular_values() -> None:
    # W_1 = I has every vector as a left singular vector: coupling with anything is 1.
    rng = np.random.default_rng(4)
    assert coupling([np.eye(3), rng.standard_normal((2, 3))])[0] == pytest.approx(1.0, abs=1e-14)


def test_metrics_bad_input() -> None:
    with pytest.raises(InputError, match="v must be"):
        path_gains([np.eye(2)], v=np.ones(3))
    with pytest.raises(InputError, match="annihilated"):
        layer_gains([np.zeros((2, 2)), np.eye(2)])
    with pytest.raises(InputError, match="no top path"):
        path_residuals([np.zeros((2, 2))])


def test_near_balance_and_sharpness_ratio_at_a_near_flattest_minimum() -> None:
    rng = np.random.default_rng(5)
    target = rng.standard_normal((3, 3))
    weights = near_flattest_minimum(target, [3, 4, 4, 3], 0.4, rng)
    ratio = sharpness_ratio(weights)
    # Exact by construction; the 9-square gram is diagonalized densely (seen <= 10 eps over 300 seeds).
    assert abs(ratio - 1.4) <= 1e-13 * 1.4
    band = near_balance(weights, sharpness(weights).lambda_max)
    assert band.in_band and band.interval == near_balance_interval(ratio - 1, 3)
    assert np.max(np.abs(band.rho - 1)) > 1e-3  # skewed: not all layer gains equal s^(1/N)
    with pytest.raises(InputError, match="band is undefined"):
        near_balance([np.zeros((2, 2)), np.eye(2)], 1.0)


@pytest.mark.parametrize("lambda_max", [-1.0, float("nan"), float("inf")])
def test_near_balance_rejects_an_impossible_lambda_max(lambda_max: float) -> None:
    with pytest.raises(InputError, match="lambda_max must be a finite number >= 0"):
        near_balance([np.eye(2), np.eye(2)], lambda_max)
