"""The fixed-projection bound of Marion & Chizat's model (report E1): derivation checked numerically.

Claim (wideminima.report.fixed_projection): with p a fixed unit vector and W_1..W_N
trainable, every minimum of 1/2 E(t^T x - p^T W_{N:1} x)^2 (whitened) has
lambda_max >= N s^(2-2/N), s = ||t||, with equality attained.
"""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import Moments, dense_hessian
from wideminima.report.fixed_projection import (
    fixed_projection_bound,
    fixed_projection_excess_loss,
    fixed_projection_flattest_minimum,
    fixed_projection_gram,
    fixed_projection_sharpness,
    train_fixed_projection,
)

EPS = np.finfo(np.float64).eps


def _unit(rng: np.random.Generator, d: int) -> np.ndarray:
    v = rng.standard_normal(d)
    return v / np.linalg.norm(v)


def _random_minimum(rng: np.random.Generator, t: np.ndarray, p: np.ndarray, depth: int) -> list[np.ndarray]:
    """W_1..W_{N-1} random; W_N corrected along p so that p^T W_N W_{N-1:1} = t^T exactly (up to rounding)."""
    d = t.size
    weights = [np.eye(d) + 0.5 * rng.standard_normal((d, d)) for _ in range(depth)]
    before = np.eye(d)
    for w in weights[:-1]:
        before = w @ before
    row = np.linalg.solve(before.T, t)  # the row q^T with q^T B_N = t^T
    last = weights[-1]
    weights[-1] = last + np.outer(p, row - p @ last)
    return weights


@pytest.mark.parametrize("depth", [1, 2, 3, 5])
def test_gram_is_the_trainable_hessian_at_a_minimum(depth: int) -> None:
    rng = np.random.default_rng(depth)
    d = 3
    t, p = 1.7 * _unit(rng, d), _unit(rng, d)
    weights = _random_minimum(rng, t, p, depth)
    assert fixed_projection_excess_loss(weights, p, t) < 1e-20
    full = dense_hessian(weights + [p[None, :]], Moments.whitened(t[None, :]))
    n = depth * d * d  # the trainable block: the frozen projection's rows/columns are dropped
    trainable = np.linalg.eigvalsh(full[:n, :n])
    gram = np.linalg.eigvalsh(fixed_projection_gram(weights, p))
    scale = trainable[-1]
    # Weyl-type absolute bound: the Hessian has many zero eigenvalues and the point is a
    # minimum up to rounding (residual ~ eps ||W||^N); 64 n eps ||H|| covers both.
    tol = 64 * n * EPS * scale
    nonzero = trainable[trainable > tol]
    assert nonzero.size <= d
    np.testing.assert_allclose(np.sort(gram)[-nonzero.size:], nonzero, rtol=0, atol=tol)
    np.testing.assert_allclose(fixed_projection_sharpness(weights, p), scale, rtol=0, atol=tol)


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 7])
def test_random_minima_are_above_the_bound_and_the_construction_attains_it(depth: int) -> None:
    rng = np.random.default_rng(10 + depth)
    d = 4
    t, p = 2.3 * _unit(rng, d), _unit(rng, d)
    bound = fixed_projection_bound(t, depth)
    flattest = fixed_projection_flattest_minimum(t, p, depth)
    # p^T W_{N:1} = t^T up to the rounding of N products of d x d matrices (absolute, relative to ||t||).
    np.testing.assert_allclose(p @ np.linalg.multi_dot(flattest[::-1] + [np.eye(d)]), t, rtol=0,
                               atol=16 * depth * d * EPS * np.linalg.norm(t))
    # G = N s^(2-2/N) I at the construction: equal up to the rounding of ~N d products.
    np.testing.assert_allclose(np.linalg.eigvalsh(fixed_projection_gram(flattest, p)), bound, rtol=64 * depth * d * EPS)
    for _ in range(50):
        weights = _random_minimum(rng, t, p, depth)
        # lambda_max >= bound holds exactly; the computed point is a minimum to ~1e-14 relative.
        assert fixed_projection_sharpness(weights, p) >= bound * (1 - 1e-12)


def test_minimizing_sharpness_over_minima_reaches_the_bound_not_below() -> None:
    """Numerical minimization of lambda_max over the minima (parametrized by W_1..W_{N-1} and W_N's free part)."""
    minimize = pytest.importorskip("scipy.optimize").minimize  # scipy is the optional `fast` extra

    rng = np.random.default_rng(3)
    d, depth = 2, 3
    t, p = 1.9 * _unit(rng, d), _unit(rng, d)
    bound = fixed_projection_bound(t, depth)
    deeper_bound = fixed_projection_bound(t, depth + 1)  # (N+1) s^(2-2/(N+1)), the trained-projection value

    def sharpness_of(x: np.ndarray) -> float:
        mats = list(x.reshape(depth, d, d))
        before = np.eye(d)
        for w in mats[:-1]:
            before = w @ before
        row = np.linalg.solve(before.T, t)
        mats[-1] = mats[-1] + np.outer(p, row - p @ mats[-1])
        return fixed_projection_sharpness(mats, p)

    best = min(
        minimize(sharpness_of, np.eye(d).repeat(depth, 0).reshape(-1) + 0.3 * rng.standard_normal(depth * d * d),
                 method="Nelder-Mead", options={"maxiter": 5000, "xatol": 1e-10, "fatol": 1e-12}).fun
        for _ in range(2)
    )
    assert best >= bound * (1 - 1e-12)  # never below the proven bound
    # lambda_max is not smooth at the optimum (G = bound * I there); Nelder-Mead still gets
    # within ~1e-15 here, and 1e-6 leaves room for a slower start without hiding a wrong bound
    # (the next candidate value, the (N+1)-layer bound, is about 1.5 times higher here).
    assert best <= bound * (1 + 1e-6)
    assert bound < deeper_bound  # the fixed-p bound is the depth-N value, below the (N+1)-layer one


def test_identity_init_converges_above_the_bound() -> None:
    rng = np.random.default_rng(5)
    t, p = 1.5 * _unit(rng, 4), _unit(rng, 4)
    weights, status, steps = train_fixed_projection(p, t, 3, lr=0.05, steps=20000)
    assert status == "converged" and steps > 0
    assert fixed_projection_excess_loss(weights, p, t) < 1e-18
    assert fixed_projection_sharpness(weights, p) > fixed_projection_bound(t, 3)


def test_bad_input() -> None:
    with pytest.raises(InputError, match="unit vector"):
        fixed_projection_sharpness([np.eye(2)], [1.0, 1.0])
    with pytest.raises(InputError, match="depth"):
        fixed_projection_bound([1.0, 0.0], 0)
    with pytest.raises(InputError, match="depth must be an integer"):
        fixed_projection_bound([1.0, 0.0], 2.5)
    with pytest.raises(InputError, match="target must be nonzero"):
        fixed_projection_flattest_minimum([0.0, 0.0], [1.0, 0.0], 2)
    with pytest.raises(InputError, match="target"):
        fixed_projection_bound([[1.0]], 1)
    with pytest.raises(InputError, match="shape"):
        fixed_projection_flattest_minimum([1.0, 0.0, 0.0], [1.0, 0.0], 2)


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_with_sigma_x_the_flattest_value_is_f_and_exceeds_marion_chizat_bound(depth: int) -> None:
    """report E7: for inputs of covariance Sigma_x, random minima stay above F(t^T, Sigma_x, N); the minimum
    W_1 = x^(-1/2) p t^T, W_k = x^(1/(2N-2)) I at F's carrier scale x attains it (gram x Sigma_x +
    (N-1) x^(-1/(N-1)) Sigma_x^{1/2} t t^T Sigma_x^{1/2}); and F >= N t^T Sigma_x t for unit t."""
    from wideminima.numeric import flattest_value, random_covariance

    rng = np.random.default_rng(20 + depth)
    d = 4
    t, p = _unit(rng, d), _unit(rng, d)
    sigma = random_covariance(d, rng, condition=30.0)
    result = flattest_value(t[None, :], sigma, depth)
    x = result.scale
    carrier = [x**-0.5 * np.outer(p, t)] + [x ** (1 / (2 * depth - 2)) * np.eye(d) for _ in range(depth - 1)]
    assert fixed_projection_excess_loss(carrier, p, t, sigma) < 1e-28
    assert fixed_projection_sharpness(carrier, p, sigma) == pytest.approx(result.value, rel=1e-12)
    for _ in range(30):
        weights = _random_minimum(rng, t, p, depth)
        assert fixed_projection_sharpness(weights, p, sigma) >= result.value * (1 - 1e-12)
    assert result.value >= depth * float(t @ sigma @ t) * (1 - 1e-14)
