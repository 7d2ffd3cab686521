"""Data generators: exact moments, teachers, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import (
    MLP,
    Moments,
    linear_teacher_data,
    mlp_teacher_data,
    population_data,
    random_covariance,
    sample_data,
    whitened_data,
)

EPS = np.finfo(np.float64).eps


def test_exact_samples_reproduce_sigma_x_and_t_with_noise() -> None:
    rng = np.random.default_rng(0)
    target = rng.standard_normal((2, 3))
    sigma_x = random_covariance(3, rng, condition=50.0)
    x, y = sample_data(target, sigma_x, 40, rng, noise=0.3)
    moments = Moments.from_samples(x, y)
    # QR-based construction: rounding of O(n) sums, scaled by cond(Sigma_x) for T.
    np.testing.assert_allclose(moments.sigma_x, sigma_x, rtol=0, atol=1e3 * EPS * np.linalg.norm(sigma_x))
    np.testing.assert_allclose(moments.target, target, rtol=0, atol=1e4 * EPS * np.linalg.norm(target))
    assert moments.minimum_loss > 0.01  # the noise is there, orthogonal to the inputs


def test_population_and_whitened() -> None:
    assert whitened_data(np.eye(2)).is_whitened
    assert not population_data(np.eye(2), np.diag([1.0, 2.0])).is_whitened
    eig = np.linalg.eigvalsh(random_covariance(5, np.random.default_rng(1), condition=9.0))
    assert eig[-1] / eig[0] <= 9.0 * (1 + 1e-12)


def test_teachers() -> None:
    rng = np.random.default_rng(2)
    teacher = [rng.standard_normal((4, 3)), rng.standard_normal((2, 4))]
    x, y = linear_teacher_data(teacher, 10, rng)
    np.testing.assert_allclose(y, x @ (teacher[1] @ teacher[0]).T, rtol=1e-13, atol=1e-13)
    x, y = mlp_teacher_data(teacher, 10, rng, activation="relu")
    np.testing.assert_array_equal(y, MLP((3, 4, 2), activation="relu").forward(teacher, x))
    assert not np.allclose(y, x @ (teacher[1] @ teacher[0]).T)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda rng: sample_data(np.eye(2), None, 0, rng), "positive integer"),
        (lambda rng: sample_data(np.eye(2), None, 1, rng), "n >= d_0"),
        (lambda rng: sample_data(np.eye(2), np.zeros((2, 2)), 5, rng), "singular"),
        (lambda rng: sample_data(np.eye(2), np.eye(3), 5, rng), "columns must match"),
        (lambda rng: sample_data(np.eye(2), None, 5, rng, noise=float("inf")), "noise must be"),
        (lambda rng: mlp_teacher_data([np.eye(2)], 5, rng, activation="cube"), "activation"),
        (lambda rng: Moments.from_samples(np.zeros((0, 2)), np.zeros((0, 1))), "empty"),
    ],
)
def test_bad_data(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call(np.random.default_rng(0))
