"""F(T, Sigma_x, N), the flattest sharpness for any Sigma_x (theorems.md flattest-value-general).

The float64 global maximum against brute force on the sphere, its dual certificate,
the carrier minima that attain it, and the old candidate-direction bound it replaces.
"""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import (
    Moments,
    balanced_minimum,
    balanced_sharpness,
    carrier_minimum,
    carrier_sharpness,
    end_to_end,
    flattest_bound,
    flattest_minimum,
    flattest_sharpness,
    flattest_value,
    gauge_minimum,
    near_balance,
    output_gram,
    path_residuals,
    random_covariance,
)

EPS = float(np.finfo(np.float64).eps)


def _instance(rng: np.random.Generator, d_out: int, d_in: int, log_condition: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """T Gaussian, Sigma_x = Q diag(e^u) Q^T with u uniform in [-c/2, c/2] (condition up to e^c)."""
    q, _ = np.linalg.qr(rng.standard_normal((d_in, d_in)))
    sigma = (q * np.exp(rng.uniform(-log_condition / 2, log_condition / 2, d_in))) @ q.T
    return rng.standard_normal((d_out, d_in)), (sigma + sigma.T) / 2


def _forms(target: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    eig, vec = np.linalg.eigh(sigma)
    scaled = target @ (vec * np.sqrt(eig)) @ vec.T
    return scaled.T @ scaled, sigma


def _sampled_max(points: np.ndarray, target: np.ndarray, sigma: np.ndarray, depth: int) -> float:
    """N max over the rows v of ``points`` (unit) of a(v)^p b(v)^q."""
    a_form, s_form = _forms(target, sigma)
    a = np.einsum("ij,jk,ik->i", points, a_form, points)
    b = np.einsum("ij,jk,ik->i", points, s_form, points)
    return depth * float(np.max(np.maximum(a, 0) ** (1 - 1 / depth) * b ** (1 / depth)))


def _lambda_max(weights: list[np.ndarray], sigma: np.ndarray) -> float:
    g = np.asarray(output_gram(weights, sigma))
    return float(np.linalg.eigvalsh((g + g.T) / 2)[-1])


def test_whitened_value_is_n_s_to_the_2_minus_2_over_n() -> None:
    rng = np.random.default_rng(0)
    for depth in (1, 2, 3, 7):
        target = rng.standard_normal((3, 4))
        result = flattest_value(target, None, depth)
        # the primal at the top singular vector and the dual each carry a few ulps of rounding
        assert result.value == pytest.approx(flattest_sharpness(target, depth), rel=16 * EPS)
        assert result.value <= result.upper


def test_d2_value_is_the_maximum_over_a_dense_circle_grid() -> None:
    """d_0 = 2: the grid maximum is below F (by rounding only) and within (pi/m)^2-order of it."""
    rng = np.random.default_rng(1)
    angles = np.linspace(0.0, np.pi, 200_001)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    for _ in range(12):
        depth = int(rng.integers(2, 6))
        target, sigma = _instance(rng, int(rng.integers(1, 4)), 2)
        grid = _sampled_max(circle, target, sigma, depth)
        result = flattest_value(target, sigma, depth)
        # grid spacing 1.6e-5 rad: the primal is quadratic at its maximum, so the grid misses by
        # ~ (8e-6)^2 * curvature (curvature <= ~100 relative at condition e^4): 1e-8 bounds it
        assert grid <= result.value * (1 + 16 * EPS)
        assert grid >= result.value * (1 - 1e-8)
        assert (result.upper - result.value) <= 64 * EPS * result.upper


def test_d3_and_d5_value_dominates_sphere_samples_and_the_dual_certificate_closes() -> None:
    rng = np.random.default_rng(2)
    for d in (3, 5):
        points = rng.standard_normal((100_000, d))
        points /= np.linalg.norm(points, axis=1)[:, None]
        for _ in range(4):
            depth = int(rng.integers(2, 5))
            target, sigma = _instance(rng, int(rng.integers(1, 4)), d)
            sampled = _sampled_max(points, target, sigma, depth)
            result = flattest_value(target, sigma, depth)
            assert sampled <= result.value * (1 + 16 * EPS)
            assert sampled >= 0.9 * result.value  # 1e5 samples of a 5-sphere land within a few % of the top
            assert (result.upper - result.value) <= 64 * EPS * result.upper


def test_repeated_top_eigenvalue_at_the_optimum_mixes_two_directions() -> None:
    """Commuting T^T T and Sigma_x: the joint numerical range is a polygon and the maximum lies on an edge.

    T = diag(2, 1/2), Sigma_x = diag(1, 4): (a, b) ranges over the segment from (4, 1) to (1, 4); on it
    a + b = 5 and a^p b^q is largest at b = 5q, so F = N (5p)^p (5q)^q: 5 for N = 2, 500^(1/3) for N = 3.
    """
    target, sigma = np.diag([2.0, 0.5]), np.diag([1.0, 4.0])
    for depth, exact in ((2, 5.0), (3, 500.0 ** (1 / 3))):
        result = flattest_value(target, sigma, depth)
        assert result.value == pytest.approx(exact, rel=8 * EPS)
        assert result.upper == pytest.approx(exact, rel=8 * EPS)
        assert abs(result.direction[0]) > 0.4 and abs(result.direction[1]) > 0.4  # both axes


def test_carrier_minimum_attains_f_for_rectangular_widths_and_any_sigma_x() -> None:
    rng = np.random.default_rng(3)
    for depth in (2, 3, 4):
        for d_out, d_in in ((1, 3), (3, 2), (2, 4)):
            target, sigma = _instance(rng, d_out, d_in)
            rank = min(d_out, d_in)
            dims = [d_in] + [int(rng.integers(rank, rank + 3)) for _ in range(depth - 1)] + [d_out]
            result = flattest_value(target, sigma, depth)
            weights = flattest_minimum(target, dims, sigma, rng)
            assert [w.shape for w in weights] == [(dims[k + 1], dims[k]) for k in range(depth)]
            # a product of N O(1) matrices: ~ N d eps relative rounding
            assert np.linalg.norm(end_to_end(weights) - target) <= 64 * depth * max(dims) * EPS * np.linalg.norm(target)
            # lambda_max of the float64 gram: Weyl, ~ (d_N d_0 + N d) eps relative
            assert _lambda_max(weights, sigma) == pytest.approx(result.value, rel=1e-12)


def test_carrier_family_sharpness_formula_and_its_minimum() -> None:
    """lambda_max at every scale x is carrier_sharpness(x) >= F, with equality at the optimal scale."""
    rng = np.random.default_rng(4)
    target, sigma = _instance(rng, 2, 3)
    result = flattest_value(target, sigma, 3)
    for x in (0.1, result.scale * 0.7, result.scale, result.scale * 1.5, 10.0):
        weights = carrier_minimum(target, [3, 4, 3, 2], x, rng)
        value = carrier_sharpness(target, sigma, 3, x)
        assert _lambda_max(weights, sigma) == pytest.approx(value, rel=1e-12)
        assert value >= result.value * (1 - 16 * EPS)
    assert carrier_sharpness(target, sigma, 3, result.scale) == pytest.approx(result.value, rel=1e-13)


def test_no_gauge_minimum_is_flatter_than_f() -> None:
    rng = np.random.default_rng(5)
    for depth in (2, 3):
        target, sigma = _instance(rng, 2, 3)
        value = flattest_value(target, sigma, depth).value
        dims = [3] + [3] * (depth - 1) + [2]
        for _ in range(6):
            weights = gauge_minimum(target, dims, rng, condition=4.0)
            assert _lambda_max(weights, sigma) >= value * (1 - 1e-12)


def test_flattest_bound_is_f_and_the_old_candidate_bound_was_below_it() -> None:
    """The issue-10 instance family: the candidates (right singular vectors of T Sigma_x^{1/2}, eigenvectors of
    Sigma_x) fell up to 8% short; flattest_bound is now F itself."""
    rng = np.random.default_rng(6)
    shortfalls = []
    for _ in range(20):
        depth = int(rng.integers(2, 5))
        target, sigma = _instance(rng, 3, 3)
        moments = Moments.from_target(target, sigma)
        f = flattest_value(target, sigma, depth).value
        # Moments recomputes T = Sigma_yx Sigma_x^{-1}: ~ cond(Sigma_x) eps (cond <= e^4) relative change in T
        assert flattest_bound(balanced_minimum(target, [3] * (depth + 1)), moments) == pytest.approx(f, rel=1e-12)
        a_form, s_form = _forms(target, sigma)
        candidates = np.concatenate([np.linalg.eigh(a_form)[1].T, np.linalg.eigh(s_form)[1].T])
        old = max(depth * float(c @ a_form @ c) ** (1 - 1 / depth) * float(c @ s_form @ c) ** (1 / depth)
                  for c in candidates)
        assert old <= f * (1 + 16 * EPS)
        shortfalls.append(1 - old / f)
    assert max(shortfalls) > 1e-3  # the replacement matters on this family


def test_balance_in_sigma_x_half_coordinates_is_not_flattest() -> None:
    """theorems.md: W_1 Sigma_x^{1/2}, W_2 balanced for T = diag(2, 1/2), Sigma_x = diag(1, 4): lambda_max = 9, F = 5.

    T Sigma_x^{1/2} = diag(2, 1): W_1 = diag(sqrt 2, 1) Sigma_x^{-1/2}, W_2 = diag(sqrt 2, 1); the gram
    Sigma_x kron W_2 W_2^T + Sigma_x^{1/2} W_1^T W_1 Sigma_x^{1/2} kron I = diag(1, 4) kron diag(2, 1) + diag(2, 1) kron I
    is diagonal, entries 4, 3, 9, 5 (rounded only through sqrt 2)."""
    half = np.diag([1.0, 2.0])
    weights = balanced_minimum(np.diag([2.0, 0.5]) @ half, [2, 2, 2])
    weights[0] = weights[0] @ np.diag([1.0, 0.5])
    assert _lambda_max(weights, np.diag([1.0, 4.0])) == pytest.approx(9.0, rel=8 * EPS)
    assert flattest_value(np.diag([2.0, 0.5]), np.diag([1.0, 4.0]), 2).value == pytest.approx(5.0, rel=8 * EPS)


def test_depth_one_and_zero_target() -> None:
    sigma = random_covariance(3, np.random.default_rng(7), condition=5.0)
    assert flattest_value(np.ones((2, 3)), sigma, 1).value == pytest.approx(np.linalg.eigvalsh(sigma)[-1], rel=4 * EPS)
    assert flattest_value(np.zeros((2, 3)), sigma, 3).value == 0.0
    assert flattest_minimum(np.ones((2, 3)), [3, 2], sigma)[0].tolist() == np.ones((2, 3)).tolist()


@pytest.mark.parametrize("call, message", [
    (lambda: flattest_value(np.eye(2), np.eye(2), 0), "depth"),
    (lambda: flattest_value(np.eye(2), -np.eye(2), 2), "Sigma_x"),
    (lambda: flattest_value(np.eye(2), np.eye(3), 2), "columns"),
    (lambda: carrier_minimum(np.eye(2), [2, 2, 2], -1.0), "scale"),
    (lambda: carrier_minimum(np.eye(2), [2, 2], 1.0), "depth"),
    (lambda: carrier_sharpness(np.eye(2), None, 2, float("nan")), "scale"),
    (lambda: flattest_value(1e200 * np.eye(2), np.eye(2), 3), "float64 range"),
])
def test_bad_input_is_a_one_line_input_error(call, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()


def test_without_scipy_the_same_value_comes_from_numpy_eigh(monkeypatch: pytest.MonkeyPatch) -> None:
    """d_0 = 80 (> 64) takes SciPy's few-eigenpair driver when installed; NumPy's full eigh must agree."""
    from wideminima.numeric import flattest_general

    target, sigma = _instance(np.random.default_rng(8), 5, 80)
    with_scipy = flattest_value(target, sigma, 3)
    monkeypatch.setattr(flattest_general, "_scipy_eigh", lambda: None)
    without = flattest_value(target, sigma, 3)
    # two backward-stable eigensolvers on the same matrices: the values differ by a few d eps
    assert without.value == pytest.approx(with_scipy.value, rel=64 * 80 * EPS)


def test_flattest_and_near_flattest_minima_sharpness_path_and_band() -> None:
    """flattest_minimum(delta): lambda_max = (1 + delta) F; at delta = 0 the path from Sigma_x^{1/2} v* is
    geometric and coupled (path_residuals ~ eps), and every minimum's rho_k lies in the near-balance band."""
    rng = np.random.default_rng(10)
    for depth in (2, 3, 4):
        target, sigma = _instance(rng, 2, 3)
        f = flattest_value(target, sigma, depth).value
        dims = [3] + [4] * (depth - 1) + [2]
        for delta in (0.0, 0.05, 0.5):
            weights = flattest_minimum(target, dims, sigma, rng, delta=delta)
            lam = _lambda_max(weights, sigma)
            assert lam == pytest.approx((1 + delta) * f, rel=1e-12)
            band = near_balance(weights, lam, sigma)
            assert band.in_band
            if delta == 0:
                # the layers are rounded to float64: residuals ~ N d eps
                assert np.max(path_residuals(weights, sigma)) <= 64 * depth * max(dims) * EPS
                assert np.allclose(band.rho, 1.0, rtol=0, atol=64 * depth * max(dims) * EPS)
            else:
                assert np.max(path_residuals(weights, sigma)) > 1e-4  # off the flattest point, the path is not geometric
        for _ in range(3):  # gauge minima: sharper, still inside their (wider) band
            weights = gauge_minimum(target, dims, rng, condition=5.0)
            assert near_balance(weights, _lambda_max(weights, sigma), sigma).in_band


def test_balanced_sharpness_closed_form_and_its_bounds() -> None:
    """Every balanced minimum has lambda_max = B(T, Sigma_x, N) (any hidden frames, rectangular widths,
    rank-deficient T), and F <= B <= cond(Sigma_x) F (theorems.md balanced-sharpness-general)."""
    rng = np.random.default_rng(11)
    for depth in (1, 2, 3, 5):
        for d_out, d_in, rank in ((2, 3, 2), (3, 3, 1), (1, 4, 1)):
            target, sigma = _instance(rng, d_out, d_in)
            u, sv, vt = np.linalg.svd(target)
            sv[rank:] = 0.0
            target = (u[:, : sv.size] * sv) @ vt[: sv.size]
            dims = [d_in] + [rank + 1] * (depth - 1) + [d_out]
            b = balanced_sharpness(target, sigma, depth)
            for _ in range(2):
                assert _lambda_max(balanced_minimum(target, dims, rng), sigma) == pytest.approx(b, rel=1e-12)
            f = flattest_value(target, sigma, depth).value
            cond = float(np.linalg.cond(sigma))
            assert f * (1 - 1e-13) <= b <= cond * f * (1 + 1e-13)
    target = rng.standard_normal((3, 3))
    assert balanced_sharpness(target, np.eye(3), 4) == pytest.approx(flattest_value(target, None, 4).value, rel=1e-13)
