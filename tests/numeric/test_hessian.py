"""Exact Hessian-vector products against central differences, the Gauss-Newton identity and backends."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import gauss_newton_vector_product, hessian_vector_product
from wideminima.numeric._backend import to_numpy
from wideminima.numeric import (
    Moments,
    balanced_minimum,
    dense_hessian,
    flatten,
    gauge_minimum,
    gauss_newton_vector_product,
    gradient,
    hessian_vector_product,
    unflatten,
)

EPS = np.finfo(np.float64).eps


def _network(rng: np.random.Generator, dims: list[int]) -> list[np.ndarray]:
    return [rng.standard_normal((dims[k + 1], dims[k])) / np.sqrt(dims[k]) for k in range(len(dims) - 1)]


def _sample_moments(rng: np.random.Generator, d0: int, dn: int) -> Moments:
    return Moments.from_samples(rng.standard_normal((30, d0)), rng.standard_normal((30, dn)))


@pytest.mark.parametrize("dims", [[3, 3], [2, 4, 3], [3, 2, 5, 2], [2, 3, 1, 3, 2]])
def test_hvp_matches_central_differences_of_the_gradient(dims: list[int]) -> None:
    rng = np.random.default_rng(len(dims))
    weights = _network(rng, dims)
    moments = _sample_moments(rng, dims[0], dims[-1])
    direction = _network(rng, dims)
    hv = flatten(hessian_vector_product(weights, moments, direction))
    h = 1e-5
    plus = gradient([w + h * d for w, d in zip(weights, direction)], moments)
    minus = gradient([w - h * d for w, d in zip(weights, direction)], moments)
    fd = (flatten(plus) - flatten(minus)) / (2 * h)
    # Central differences of an O(1) polynomial: truncation h^2/6 |third derivative| ~ 1e-10,
    # round-off eps |grad| / h ~ 1e-11; 1e-8 leaves a margin of ~100 over both.
    assert np.linalg.norm(hv - fd) <= 1e-8 * max(1.0, np.linalg.norm(hv))


def test_full_hessian_differs_from_gauss_newton_away_from_a_minimum() -> None:
    rng = np.random.default_rng(5)
    dims = [3, 4, 2]
    weights, direction = _network(rng, dims), _network(rng, dims)
    moments = _sample_moments(rng, 3, 2)
    full = flatten(hessian_vector_product(weights, moments, direction))
    gn = flatten(gauss_newton_vector_product(weights, moments, direction))
    assert np.linalg.norm(full - gn) > 1e-3 * np.linalg.norm(full)  # the residual term is O(1) here


@pytest.mark.parametrize("dims", [[3, 4, 2], [2, 3, 3, 2]])
def test_gauss_newton_is_the_hessian_at_a_global_minimum(dims: list[int]) -> None:
    rng = np.random.default_rng(11)
    target = rng.standard_normal((dims[-1], dims[0]))
    weights = gauge_minimum(target, dims, rng, condition=4.0)
    sigma_x = np.diag(rng.uniform(0.5, 2.0, dims[0]))
    moments = Moments.from_target(target, sigma_x)
    direction = _network(rng, dims)
    full = flatten(hessian_vector_product(weights, moments, direction))
    gn = flatten(gauss_newton_vector_product(weights, moments, direction))
    # The residual term is (W_{N:1} - T) Sigma_x times O(1) factors: rounding level at a minimum,
    # a few hundred eps relative to the Gauss-Newton product with these O(1)-conditioned layers.
    assert np.linalg.norm(full - gn) <= 1e3 * EPS * np.linalg.norm(gn)


def test_dense_hessian_columns_are_products_and_symmetric() -> None:
    rng = np.random.default_rng(2)
    dims = [2, 3, 2]
    weights = _network(rng, dims)
    moments = _sample_moments(rng, 2, 2)
    h = dense_hessian(weights, moments)
    assert h.shape == (12, 12)
    assert np.array_equal(h, h.T)
    e = np.zeros(12)
    e[4] = 1.0
    column = flatten(hessian_vector_product(weights, moments, unflatten(e, weights)))
    # Symmetrization averages column 4 with row 4, which agree up to rounding of O(1) entries.
    np.testing.assert_allclose(h[:, 4], column, rtol=0, atol=64 * EPS * np.max(np.abs(h)))


def test_scalar_network_hessian_closed_form() -> None:
    """theory id scalar-closed-form, at a minimum: H = sigma^2 g g^T with g_k = prod_{j != k} w_j."""
    w = np.array([0.5, 2.0, 3.0, -1.5])
    weights = [np.array([[x]]) for x in w]
    sigma2 = 1.7
    moments = Moments.from_target(np.array([[np.prod(w)]]), np.array([[sigma2]]))
    g = np.array([np.prod(np.delete(w, k)) for k in range(4)])
    # Products of 3 O(1) numbers: each entry exact to a few ulps.
    np.testing.assert_allclose(dense_hessian(weights, moments), sigma2 * np.outer(g, g), rtol=16 * EPS, atol=16 * EPS)


def test_products_in_every_namespace(xp: Any, to_xp: Any) -> None:
    rng = np.random.default_rng(3)
    dims = [3, 4, 2]
    weights, direction = _network(rng, dims), _network(rng, dims)
    moments = _sample_moments(rng, 3, 2)
    reference = flatten(hessian_vector_product(weights, moments, direction))
    got = hessian_vector_product([to_xp(w) for w in weights], moments, [to_xp(d) for d in direction])
    assert all(type(g) is type(to_xp(np.zeros(1))) for g in got)  # returned in the caller's namespace
    flat = np.concatenate([to_numpy(g).reshape(-1) for g in got])
    # Same operations in another library: summation order may differ, a few ulps of the norms.
    np.testing.assert_allclose(flat, reference, rtol=0, atol=64 * EPS * np.linalg.norm(reference))


def test_bad_directions() -> None:
    weights = [np.eye(2), np.eye(2)]
    with pytest.raises(InputError, match="direction has 1 layers"):
        hessian_vector_product(weights, None, [np.eye(2)])
    with pytest.raises(InputError, match="D2 has shape"):
        hessian_vector_product(weights, None, [np.eye(2), np.ones((3, 2))])
    with pytest.raises(InputError, match="exceed max_parameters"):
        dense_hessian(weights, None, max_parameters=4)


def test_balanced_minimum_with_moments_none_is_whitened() -> None:
    weights = balanced_minimum(np.diag([4.0, 1.0]), [2, 2, 2])
    h_none = dense_hessian(weights)
    h_white = dense_hessian(weights, Moments.whitened(np.diag([4.0, 1.0])))
    assert np.array_equal(h_none, h_white)


def test_a_non_finite_direction_is_an_input_error() -> None:
    weights = [np.eye(2), 2 * np.eye(2)]
    bad = [np.eye(2), np.array([[np.nan, 0.0], [0.0, 1.0]])]
    for product in (hessian_vector_product, gauss_newton_vector_product):
        with pytest.raises(InputError, match="D2 contains NaN or inf"):
            product(weights, None, bad)
