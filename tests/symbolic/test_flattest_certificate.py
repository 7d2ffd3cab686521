"""50-digit enclosures of F(T, Sigma_x, N) (theorems.md flattest-value-general) and the float64 value inside them."""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import flattest_sharpness, flattest_value
from wideminima.symbolic import certify_flattest_value


def _instance(rng: np.random.Generator, d_out: int, d_in: int) -> tuple[np.ndarray, np.ndarray]:
    q, _ = np.linalg.qr(rng.standard_normal((d_in, d_in)))
    sigma = (q * np.exp(rng.uniform(-2.0, 2.0, d_in))) @ q.T
    return rng.standard_normal((d_out, d_in)), (sigma + sigma.T) / 2


@pytest.mark.parametrize("d_out, d_in, depth", [(1, 3, 2), (2, 2, 3), (3, 4, 4), (2, 6, 1), (4, 8, 3)])
def test_enclosure_is_50_digits_wide_and_holds_the_float64_value(d_out: int, d_in: int, depth: int) -> None:
    rng = np.random.default_rng(d_out * 100 + d_in * 10 + depth)
    target, sigma = _instance(rng, d_out, d_in)
    cert = certify_flattest_value(target, sigma, depth)
    assert cert.digits >= 50
    assert cert.enclosure.a <= cert.value <= cert.enclosure.b
    result = flattest_value(target, sigma, depth)
    # the accuracy target is 1e-10 relative for d <= 64; float64 reaches a few 1e-16 here
    assert abs(mpmath.mpf(result.value) - cert.value) <= 1e-14 * abs(cert.value)


def test_whitened_enclosure_contains_n_s_to_the_2_minus_2_over_n_to_50_digits() -> None:
    target = np.array([[3.0, 1.0], [0.0, 2.0]])
    cert = certify_flattest_value(target, None, 3)
    with mpmath.workdps(60):
        s2 = max(mpmath.eigsy(mpmath.matrix(target.T @ target))[0])  # exact: T^T T has integer entries
        exact = 3 * s2 ** (mpmath.mpf(2) / 3)
    assert cert.enclosure.a <= exact <= cert.enclosure.b
    assert float(cert.value) == pytest.approx(flattest_sharpness(target, 3), rel=1e-15)


def test_commuting_instance_with_an_edge_maximum_is_certified() -> None:
    """T = diag(2, 1/2), Sigma_x = diag(1, 4), N = 3: F = 500^(1/3) exactly (the maximum mixes both axes)."""
    cert = certify_flattest_value(np.diag([2.0, 0.5]), np.diag([1.0, 4.0]), 3)
    with mpmath.workdps(60):
        exact = mpmath.cbrt(500)
    assert cert.enclosure.a <= exact <= cert.enclosure.b
    assert cert.digits >= 50


@pytest.mark.parametrize("target, sigma, depth, exact", [
    (np.eye(3), None, 3, 3),  # every unit v maximizes: the Newton refinement must not need an isolated maximizer
    (np.diag([2.0, 2.0, 1.0]), None, 2, 4),  # repeated top singular value
    (np.eye(3), np.diag([1.0, 2.0, 2.0]), 4, 8),  # F = N lambda_max(Sigma_x) when T = I
])
def test_non_isolated_maximizers_are_certified(target: np.ndarray, sigma: Any, depth: int, exact: int) -> None:
    cert = certify_flattest_value(target, sigma, depth)
    assert cert.enclosure.a <= exact <= cert.enclosure.b and cert.digits >= 50


def test_a_factor_gives_the_same_value_and_a_planted_1e_40_error_is_excluded() -> None:
    rng = np.random.default_rng(9)
    target, _ = _instance(rng, 2, 3)
    factor = rng.standard_normal((3, 3)) + 2 * np.eye(3)
    by_factor = certify_flattest_value(target, None, 2, factor=factor)
    by_sigma = certify_flattest_value(target, factor @ factor.T, 2)
    # Sigma_x = F F^T is rounded to float64 for the second call: the two F differ by ~ cond eps
    assert abs(by_factor.value - by_sigma.value) <= 1e-13 * by_factor.value
    planted = by_factor.value * (1 + mpmath.mpf(10) ** -40)
    assert not (by_factor.enclosure.a <= planted <= by_factor.enclosure.b)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="dps"):
        certify_flattest_value(np.eye(2), None, 2, dps=5)
    with pytest.raises(InputError, match="factor"):
        certify_flattest_value(np.eye(2), None, 2, factor=np.eye(3))
