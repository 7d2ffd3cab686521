"""50-digit values: sharpness, Hessian, output gram, flattest value, against each other and the certificates."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from wideminima.errors import InputError, NotAGlobalMinimumError
from wideminima.numeric import Moments
from wideminima.numeric import gradient
from wideminima.symbolic import evaluate, scalar_network
from wideminima.symbolic import (
    certify_lambda_max_above,
    certify_lambda_max_below,
    precise_flattest_sharpness,
    precise_gradient,
    precise_hessian,
    precise_loss,
    precise_output_gram,
    precise_sharpness,
)

TOL = mpmath.mpf(10) ** -45  # 50-digit results, compared with 5 digits of margin


def _gauge_minimum(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    g1 = rng.standard_normal((2, 2)) + 2 * np.eye(2)
    g2 = rng.standard_normal((2, 2)) + 2 * np.eye(2)
    base = [np.diag([2.0, 0.5])] * 3
    return [g1 @ base[0], g2 @ base[1] @ np.linalg.inv(g1), base[2] @ np.linalg.inv(g2)]


def test_balanced_minimum_is_flattest_to_50_digits() -> None:
    ws = [np.diag([2.0, 0.5])] * 3  # T = diag(8, 1/8), N s^(2-2/N) = 3 * 8^(4/3) = 48
    with mpmath.workdps(50):
        assert abs(precise_sharpness(ws) - 48) < TOL
        assert abs(precise_flattest_sharpness(np.diag([8.0, 0.125]), 3) - 48) < TOL


def test_gram_and_hessian_share_lambda_max_at_a_minimum() -> None:
    ws = _gauge_minimum(0)  # its own T (whitened): an exact global minimum of the float product
    with mpmath.workdps(60):
        top_hessian = max(mpmath.eigsy(precise_hessian(ws, None, dps=60), eigvals_only=True))
    with mpmath.workdps(50):
        assert abs(precise_sharpness(ws) - top_hessian) < TOL * top_hessian
        assert precise_sharpness(ws) >= precise_flattest_sharpness(np.linalg.multi_dot(ws[::-1]), 3) - TOL


def test_non_whitened_gram_matches_hessian() -> None:
    rng = np.random.default_rng(4)
    ws = [rng.standard_normal((2, 2)), rng.standard_normal((2, 2))]
    a = rng.standard_normal((2, 2))
    sigma_x = a @ a.T + np.eye(2)
    moments = Moments.from_target(ws[1] @ ws[0], sigma_x)
    with mpmath.workdps(60):
        top_hessian = max(mpmath.eigsy(precise_hessian(ws, moments, dps=60), eigvals_only=True))
    with mpmath.workdps(50):
        # T = Sigma_yx Sigma_x^-1 recomputed from rounded moments is a minimum only to ~1e-16:
        # the Hessian then carries a residual term of that size, so compare to 1e-12 relative.
        assert abs(precise_sharpness(ws, moments) - top_hessian) < 1e-12 * top_hessian


def test_certificates_bracket_the_precise_value() -> None:
    ws = _gauge_minimum(1)
    gram = np.array(precise_output_gram(ws).tolist(), dtype=np.float64)
    gram = (gram + gram.T) / 2
    with mpmath.workdps(50):
        value = precise_sharpness(ws)
        # The float64 gram is within ~1e-15 relative of the exact one: bounds 1e-12 apart are decided.
        assert certify_lambda_max_above(gram, value * (1 - mpmath.mpf("1e-12"))).holds
        assert certify_lambda_max_below(gram, value * (1 + mpmath.mpf("1e-12"))).holds


def test_loss_zero_at_minimum_and_positive_elsewhere() -> None:
    ws = _gauge_minimum(2)
    assert precise_loss(ws) == 0
    assert precise_loss(ws, Moments.whitened(np.eye(2))) > 0


def test_gradient_agrees_with_numeric_engine() -> None:
    rng = np.random.default_rng(8)
    ws = [rng.standard_normal((3, 2)), rng.standard_normal((2, 3))]
    x = rng.standard_normal((20, 2))
    moments = Moments.from_samples(x, rng.standard_normal((20, 2)))
    for exact, numeric in zip(precise_gradient(ws, moments), gradient(ws, moments)):
        exact = np.array(exact.tolist(), dtype=np.float64)
        # float64 gradient: a few products and sums of O(1) numbers, error ~ 1e-15; 1e-12 is ample.
        np.testing.assert_allclose(numeric, exact, rtol=0, atol=1e-12 * max(1.0, np.max(np.abs(exact))))


def test_not_a_minimum() -> None:
    with pytest.raises(NotAGlobalMinimumError):
        precise_sharpness([np.eye(2), np.eye(2)], Moments.whitened(2 * np.eye(2)))


def test_bad_values() -> None:
    net = scalar_network(2)
    with pytest.raises(InputError, match="finite"):
        evaluate(net.loss(), {net.weights[0]: float("nan")})
    with pytest.raises(InputError, match="Sigma_x"):
        precise_output_gram([np.eye(2)], np.eye(3))
    with pytest.raises(InputError, match="W1"):
        precise_sharpness([np.array([[np.inf]])])


@pytest.mark.parametrize("dps", [0, 10, 2.5, True])
def test_bad_dps(dps: object) -> None:
    with pytest.raises(InputError, match="dps"):
        precise_flattest_sharpness(np.eye(2), 2, dps=dps)  # type: ignore[arg-type]
