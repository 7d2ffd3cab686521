"""Deep linear networks: products, loss and the exact gradient against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import Moments, check_weights, end_to_end, excess_loss, gradient, loss
from wideminima.numeric import products_after, products_before


def _network(rng: np.random.Generator, dims: list[int]) -> list[np.ndarray]:
    return [rng.standard_normal((dims[k + 1], dims[k])) / np.sqrt(dims[k]) for k in range(len(dims) - 1)]


@pytest.mark.parametrize("dims", [[3], [2, 2], [3, 4, 2], [2, 5, 1, 3, 2]])
def test_products_factor_the_end_to_end_map(dims: list[int]) -> None:
    dims = dims if len(dims) > 1 else [3, 3]
    rng = np.random.default_rng(len(dims))
    weights = _network(rng, dims)
    p = end_to_end(weights)
    for a, w, b in zip(products_after(weights), weights, products_before(weights)):
        # Same product, different association: a few ulps of ||A|| ||W|| ||B||.
        np.testing.assert_allclose(a @ w @ b, p, rtol=1e-13, atol=1e-13 * np.linalg.norm(p))


def test_gradient_matches_central_differences() -> None:
    rng = np.random.default_rng(7)
    dims = [3, 4, 2, 2]
    weights = _network(rng, dims)
    x = rng.standard_normal((40, 3))
    y = rng.standard_normal((40, 2))
    moments = Moments.from_samples(x, y)
    grads = gradient(weights, moments)
    h = 1e-5
    for k, w in enumerate(weights):
        for idx in np.ndindex(w.shape):
            plus = [v.copy() for v in weights]
            minus = [v.copy() for v in weights]
            plus[k][idx] += h
            minus[k][idx] -= h
            fd = (loss(plus, moments) - loss(minus, moments)) / (2 * h)
            # Central differences: truncation O(h^2 * third derivative) ~ 1e-10 and
            # round-off eps * L / h ~ 1e-11 at these O(1) values.
            assert abs(fd - grads[k][idx]) <= 1e-8 * max(1.0, abs(grads[k][idx]))


def test_loss_agrees_with_samples() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((30, 2))
    y = rng.standard_normal((30, 3))
    weights = _network(rng, [2, 4, 3])
    direct = 0.5 * np.mean(np.sum((y - x @ end_to_end(weights).T) ** 2, axis=1))
    moments = Moments.from_samples(x, y)
    # Two algebraically equal forms of one quadratic: cancellation bounded by eps * E||y||^2.
    assert abs(loss(weights, moments) - direct) <= 1e-13 * moments.y_energy
    assert excess_loss(weights, moments) >= 0


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([], "at least one layer"),
        ([np.ones((2, 2)), np.ones((2, 3))], "W2 needs 2 columns"),
        ([np.ones((2, 2)) * np.nan], "W1 contains NaN"),
        ([np.eye(2) * (1 + 1j)], "W1 is complex"),  # casting would silently drop the imaginary part
    ],
)
def test_bad_networks(weights: list, message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_weights(weights)


def test_data_dimension_mismatch() -> None:
    with pytest.raises(InputError, match="maps R\\^2 -> R\\^2 but the data"):
        gradient([np.eye(2)], Moments.whitened(np.ones((1, 2))))
