"""Output gram, sharpness and extreme eigenvalues against dense eigendecompositions of the full Hessian."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from wideminima.errors import InputError, NotAGlobalMinimumError
from wideminima.numeric import (
    Moments,
    balanced_minimum,
    dense_hessian,
    flatten,
    flattest_bound,
    flattest_sharpness,
    gauge_minimum,
    global_minimum_test,
    gram_factors,
    hessian_extremes,
    hessian_trace,
    hessian_vector_product,
    output_gram,
    random_covariance,
    sharpness,
)
from wideminima.numeric._backend import to_numpy
from wideminima.numeric.gram import product_flops

EPS = np.finfo(np.float64).eps


def _target(rng: np.random.Generator, dn: int, d0: int, rank: int) -> np.ndarray:
    """A random (dn, d0) target of the given rank (so that narrow hidden layers can factor it)."""
    return rng.standard_normal((dn, rank)) @ rng.standard_normal((rank, d0)) / np.sqrt(rank)


def _weyl(h: np.ndarray) -> float:
    """Absolute accuracy of computed eigenvalues of the symmetric h: n * eps * ||h||_2, times 8 for safety.

    Weyl: a backward-stable eigh perturbs h by O(n eps ||h||), and so every eigenvalue
    (the many zero ones included) by at most that much.
    """
    return 8 * h.shape[0] * EPS * np.linalg.norm(h, 2)


@pytest.mark.parametrize(("dims", "whitened"), [([3, 4, 2], True), ([2, 3, 3, 2], False), ([3, 2, 5, 1, 3], False)])
def test_output_gram_spectrum_is_the_nonzero_hessian_spectrum(dims: list[int], whitened: bool) -> None:
    """theory id output-gram-spectrum."""
    rng = np.random.default_rng(sum(dims))
    target = _target(rng, dims[-1], dims[0], min(dims))
    weights = gauge_minimum(target, dims, rng, condition=5.0)
    sigma_x = None if whitened else random_covariance(dims[0], rng, condition=5.0)
    moments = Moments.whitened(target) if whitened else Moments.from_target(target, sigma_x)
    h = dense_hessian(weights, moments)
    g = output_gram(weights, sigma_x)
    ev_h, ev_g = np.linalg.eigvalsh(h), np.linalg.eigvalsh(g)
    tol = _weyl(h) + _weyl(g)
    np.testing.assert_allclose(ev_h[-len(ev_g):], ev_g, rtol=0, atol=tol)
    assert np.all(np.abs(ev_h[: -len(ev_g)]) <= tol)  # the rest of H's spectrum is zero
    # tr H: sums of the same O(P) products, rounding of order P eps tr H.
    assert abs(hessian_trace(weights, sigma_x) - np.trace(h)) <= 8 * h.shape[0] * EPS * np.trace(h)


@pytest.mark.parametrize("dims", [[4, 3], [4, 5, 3], [4, 3, 5, 3], [4, 2, 6, 3, 3]])
@pytest.mark.parametrize("whitened", [True, False])
def test_matrix_free_gram_equals_the_dense_gram(dims: list[int], whitened: bool) -> None:
    """GramFactors.apply skips L_N = I and (whitened) R_1 = I; it must still be G, for every depth."""
    rng = np.random.default_rng(len(dims))
    weights = [rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
    sigma_x = None if whitened else random_covariance(dims[0], rng, condition=5.0)
    g = output_gram(weights, sigma_x)
    block = rng.standard_normal((3, dims[-1], dims[0]))
    rows = block.reshape(3, -1)
    out = gram_factors(weights, sigma_x).apply(block).reshape(3, -1)
    # Same sums, different association: a few ulps of ||G|| ||M|| for each output matrix M.
    limit = 64 * EPS * np.linalg.norm(g) * np.linalg.norm(rows, axis=1, keepdims=True)
    assert np.all(np.abs(out - rows @ g.T) <= limit)
    # product_flops is what apply does: count the flops of every matmul it makes.
    counted = block[:1].view(_CountingArray)
    _CountingArray.flops = 0
    gram_factors(weights, sigma_x).apply(counted)
    assert _CountingArray.flops == product_flops(len(weights), dims[-1], dims[0], whitened=whitened)


class _CountingArray(np.ndarray):
    """An ndarray that adds the flops of every matmul it takes part in to ``flops``."""

    flops = 0

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        plain = [np.asarray(x) for x in inputs]
        if ufunc is np.matmul:
            a, b = plain
            batch = int(np.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]), dtype=np.int64))
            _CountingArray.flops += 2 * batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
        return getattr(ufunc, method)(*plain, **kwargs).view(_CountingArray)


@pytest.mark.parametrize("method", ["auto", "lanczos", "arpack"])
@pytest.mark.parametrize(("dims", "whitened"), [([21, 5, 4, 20], True), ([20, 6, 24], False), ([3, 4, 2], True)])
def test_sharpness_matches_dense_eigh_to_1e_10(dims: list[int], whitened: bool, method: str) -> None:
    """Acceptance target: relative error of lambda_max <= 1e-10 against dense eigh of the full Hessian."""
    rng = np.random.default_rng(len(dims) + dims[0])
    target = _target(rng, dims[-1], dims[0], min(dims))
    weights = gauge_minimum(target, dims, rng, condition=4.0)
    moments = Moments.whitened(target) if whitened else Moments.from_target(target, random_covariance(dims[0], rng))
    spectrum = sharpness(weights, moments, method=method)
    top = np.linalg.eigvalsh(dense_hessian(weights, moments))[-1]
    assert abs(spectrum.lambda_max - top) <= 1e-10 * top
    assert spectrum.converged
    # Residual at the Lanczos tolerance 1e-10 ||G|| (dense: rounding, far below).
    assert spectrum.residual <= 1e-10 * top
    vector = np.concatenate([v.reshape(-1) for v in spectrum.vector])
    assert abs(np.linalg.norm(vector) - 1) <= 1e-12
    # The parameter-space eigenvector, checked with the full Hessian: its residual is bounded by the
    # gram residual (Spectrum docstring) plus the rounding of one Hessian product (~P eps ||H||).
    image = flatten(hessian_vector_product(weights, moments, spectrum.vector))
    assert np.linalg.norm(image - top * vector) <= spectrum.residual + 64 * vector.size * EPS * top


def test_sharpness_method_and_determinism() -> None:
    rng = np.random.default_rng(8)
    target = _target(rng, 20, 21, 6)
    weights = gauge_minimum(target, [21, 6, 20], rng)
    first, again = sharpness(weights, seed=3, structure=False), sharpness(weights, seed=3, structure=False)
    assert first.lambda_max == again.lambda_max and first.products == again.products  # same seed, same result
    assert first.method in ("arpack-gram", "lanczos-gram")
    assert sharpness(weights, seed=3).method == "kronecker-reduction"  # N = 2 and G too large to form
    assert sharpness([np.eye(2)]).method == "dense-gram"


@pytest.mark.parametrize("depth", [1, 2, 3, 6])
def test_balanced_minima_attain_the_flattest_sharpness(depth: int) -> None:
    """theory ids balanced-attains-bound and sharpness-lower-bound."""
    rng = np.random.default_rng(depth)
    target = rng.standard_normal((3, 4))
    dims = [4] + [5] * (depth - 1) + [3]
    flattest = flattest_sharpness(target, depth)
    balanced = sharpness(balanced_minimum(target, dims, rng)).lambda_max
    assert abs(balanced - flattest) <= 1e-12 * flattest  # exact up to rounding of the s^(2/N) powers
    for _ in range(3):
        generic = sharpness(gauge_minimum(target, dims, rng)).lambda_max
        assert generic >= flattest * (1 - 1e-12)


def test_not_a_global_minimum_is_refused() -> None:
    weights = [np.diag([2.0, 1.0]), np.diag([1.0, 1.0])]
    moments = Moments.whitened(np.diag([2.0, 1.0 + 1e-9]))
    test = global_minimum_test(weights, moments)
    assert not test.is_minimum and test.residual == pytest.approx(1e-9, rel=1e-6)
    with pytest.raises(NotAGlobalMinimumError, match="not a global minimum"):
        sharpness(weights, moments)
    # A looser, user-chosen test accepts it.
    assert sharpness(weights, moments, rtol=1e-6).lambda_max == pytest.approx(5.0, rel=1e-8)
    for bad in (-1e-6, float("nan"), float("inf")):  # a negative or NaN rtol would silently refuse (or accept) everything
        with pytest.raises(InputError, match="rtol of the global-minimum test"):
            global_minimum_test(weights, moments, rtol=bad)


def test_rounded_minima_pass_the_relative_test() -> None:
    rng = np.random.default_rng(1)
    for dims in ([5, 8, 8, 8, 4], [6, 3, 7, 6]):
        target = _target(rng, dims[-1], dims[0], min(dims)) * 1e3
        weights = gauge_minimum(target, dims, rng, condition=10.0)
        sigma_x = random_covariance(dims[0], rng, condition=100.0)
        assert global_minimum_test(weights, Moments.from_target(target, sigma_x)).is_minimum


@pytest.mark.parametrize("dims", [[3, 4, 2], [4, 5, 3, 4], [2, 2]])
def test_extremes_away_from_minima_match_dense_eigh(dims: list[int]) -> None:
    rng = np.random.default_rng(len(dims) * 7)
    weights = [rng.standard_normal((dims[k + 1], dims[k])) for k in range(len(dims) - 1)]
    moments = Moments.from_samples(rng.standard_normal((20, dims[0])), rng.standard_normal((20, dims[-1])))
    h = dense_hessian(weights, moments)
    ev = np.linalg.eigvalsh(h)
    ext = hessian_extremes(weights, moments)
    norm = np.max(np.abs(ev))
    # Lanczos tolerance 1e-10 ||H|| on the residual bounds the eigenvalue error by the same (Weyl/Kahan).
    assert abs(ext.lambda_max - ev[-1]) <= 1e-10 * norm
    assert abs(ext.lambda_min - ev[0]) <= 1e-10 * norm
    assert ext.top.converged and ext.bottom.converged
    assert ext.top.residual <= 1e-10 * norm and ext.bottom.residual <= 1e-10 * norm
    if len(dims) > 2:
        assert ext.lambda_min < 0  # away from a minimum the residual term makes H indefinite here
    # tr H = sum_k ||A_k||_F^2 ||B_k Sigma_x^{1/2}||_F^2 holds off the minima too (the residual term has
    # zero diagonal blocks); both sides are sums of P O(1) products: rounding ~ P eps tr|H|.
    assert abs(hessian_trace(weights, moments.sigma_x) - np.trace(h)) <= 8 * h.shape[0] * EPS * np.sum(np.abs(ev))


def test_flattest_bound_is_a_lower_bound_for_any_sigma_x() -> None:
    rng = np.random.default_rng(12)
    for depth in (1, 2, 3):
        dims = [3] + [4] * (depth - 1) + [2]
        target = rng.standard_normal((2, 3))
        moments = Moments.from_target(target, random_covariance(3, rng, condition=20.0))
        bound = flattest_bound(balanced_minimum(target, dims), moments)
        for _ in range(4):
            top = sharpness(gauge_minimum(target, dims, rng, condition=3.0), moments).lambda_max
            assert top >= bound * (1 - 1e-12)
    # Whitened: the bound is N s^(2-2/N).
    assert flattest_bound([np.diag([4.0, 1.0])] * 2) == pytest.approx(2 * 16.0, rel=1e-15)


def test_sharpness_in_every_namespace(xp: Any, to_xp: Any) -> None:
    rng = np.random.default_rng(6)
    dims = [21, 5, 20]
    target = _target(rng, 20, 21, 5)
    weights = gauge_minimum(target, dims, rng, condition=3.0)
    reference = sharpness(weights).lambda_max
    spectrum = sharpness([to_xp(w) for w in weights])
    assert type(spectrum.vector[0]) is type(to_xp(np.zeros(1)))
    assert abs(spectrum.lambda_max - reference) <= 1e-10 * reference
    small = [rng.standard_normal((6, 5)), rng.standard_normal((7, 6))]  # P = 72: the Lanczos path
    moments = Moments.from_samples(rng.standard_normal((20, 5)), rng.standard_normal((20, 7)))
    expected = hessian_extremes(small, moments)
    ext = hessian_extremes([to_xp(w) for w in small], moments)
    norm = max(abs(expected.lambda_max), abs(expected.lambda_min))
    assert abs(ext.lambda_max - expected.lambda_max) <= 1e-10 * norm  # both at the Lanczos tolerance
    assert abs(ext.lambda_min - expected.lambda_min) <= 1e-10 * norm
    assert type(ext.top.vector[0]) is type(to_xp(np.zeros(1))) and to_numpy(ext.top.vector[0]).shape == (6, 5)


def test_bilinear_lower_bound_at_random_unit_vectors() -> None:
    """theory id bilinear-lower-bound: lambda_max >= sum_k ||A_k^T u||^2 ||B_k Sigma_x^{1/2} v||^2."""
    rng = np.random.default_rng(21)
    dims = [3, 4, 5, 2]
    target = _target(rng, 2, 3, 2)
    sigma_x = random_covariance(3, rng, condition=10.0)
    moments = Moments.from_target(target, sigma_x)
    for _ in range(5):
        weights = gauge_minimum(target, dims, rng, condition=5.0)
        factors = gram_factors(weights, sigma_x)
        top = sharpness(weights, moments).lambda_max
        for _ in range(20):
            u, v = rng.standard_normal(2), rng.standard_normal(3)
            u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
            bound = float(np.sum((factors.left @ u @ u) * (factors.right @ v @ v)))
            assert bound <= top * (1 + 1e-12)  # rounding of two O(N d^2) sums


def test_dense_gram_path_and_gram_in_every_namespace(xp: Any, to_xp: Any) -> None:
    rng = np.random.default_rng(9)
    weights = gauge_minimum(_target(rng, 3, 4, 2), [4, 2, 3], rng)
    sigma_x = random_covariance(4, rng)
    moments = Moments.from_target(to_numpy(weights[1] @ weights[0]), sigma_x)
    reference = sharpness(weights, moments)
    spectrum = sharpness([to_xp(w) for w in weights], moments)
    assert spectrum.method == "dense-gram" and type(spectrum.vector[1]) is type(to_xp(np.zeros(1)))
    assert abs(spectrum.lambda_max - reference.lambda_max) <= 1e-12 * reference.lambda_max  # same dense eigh, other library
    gram = output_gram([to_xp(w) for w in weights], sigma_x)
    # Same sums in another library: a few ulps of ||G||.
    np.testing.assert_allclose(to_numpy(gram), output_gram(weights, sigma_x), rtol=0, atol=64 * EPS * reference.lambda_max)
    assert abs(hessian_trace([to_xp(w) for w in weights], sigma_x) - reference.trace) <= 64 * EPS * reference.trace


def test_minimum_test_on_a_deep_network_is_relative_and_discriminating() -> None:
    rng = np.random.default_rng(30)
    target = _target(rng, 6, 6, 6)
    moments = Moments.from_target(target, random_covariance(6, rng, condition=10.0))
    weights = gauge_minimum(target, [6] * 21, rng, condition=3.0)
    passed = global_minimum_test(weights, moments)
    assert passed.is_minimum
    # The bound is a first-order rounding bound: far below any perturbation that matters.
    assert passed.bound <= 1e-10 * np.linalg.norm(target)
    perturbed = [weights[0] * (1 + 1e-8)] + weights[1:]
    assert not global_minimum_test(perturbed, moments).is_minimum
