"""lambda_max from the structure of G (numeric/structure.py), checked against the dense Hessian and Lanczos.

Sizes have d_N d_0 > 400 so that :func:`sharpness` does not form G, yet small enough for a
dense eigh reference (the Hessian for N <= 2, P <= 500; G, 576-square, for N >= 3). Tolerances: the shortcuts stop at residual
<= 1e-10 lambda (Weyl: some eigenvalue within it) and the dense reference is accurate to
~P eps ||H||, so 1e-10 relative is what the mathematics allows, plus that rounding.
"""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.numeric import Moments, balanced_minimum, dense_hessian, flattest_sharpness, gauge_minimum, output_gram, sharpness
from wideminima.numeric.gram import gram_factors
from wideminima.numeric.structure import certified_bilinear, shallow_top

EPS = float(np.finfo(np.float64).eps)
TOL = 1e-10


def _sigma(rng: np.random.Generator, d: int) -> np.ndarray:
    q = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return (q * np.linspace(0.5, 3.0, d)) @ q.T  # SPD, condition 6


def _dense_top(weights: list[np.ndarray], moments: Moments | None) -> float:
    p = sum(w.size for w in weights)
    return float(np.linalg.eigvalsh(dense_hessian(weights, moments, max_parameters=p))[-1])


def _close(value: float, reference: float, p: int) -> bool:
    return abs(value - reference) <= (TOL + 16 * p * EPS) * reference


@pytest.mark.parametrize("whitened", [True, False])
def test_depth_one_is_the_top_of_sigma_x(whitened: bool) -> None:
    rng = np.random.default_rng(1)
    target = rng.standard_normal((21, 20))
    moments = None if whitened else Moments.from_target(target, _sigma(rng, 20))
    spectrum = sharpness([target], moments)
    expected = 1.0 if whitened else float(np.linalg.eigvalsh(moments.sigma_x)[-1])
    assert spectrum.method == "kronecker-reduction" and spectrum.products == 0 and spectrum.converged
    assert _close(spectrum.lambda_max, expected, 420)
    assert _close(spectrum.lambda_max, _dense_top([target], moments), 420)


@pytest.mark.parametrize("whitened", [True, False])
def test_depth_two_kronecker_reduction_matches_dense_hessian_and_lanczos(whitened: bool) -> None:
    rng = np.random.default_rng(2)
    target = rng.standard_normal((21, 6)) @ rng.standard_normal((6, 20)) / 10  # rank 6 <= hidden width 12
    weights = gauge_minimum(target, [20, 12, 21], rng, condition=10.0)
    moments = None if whitened else Moments.from_target(target, _sigma(rng, 20))
    spectrum = sharpness(weights, moments)
    assert spectrum.method == "kronecker-reduction" and spectrum.converged
    p = sum(w.size for w in weights)
    assert _close(spectrum.lambda_max, _dense_top(weights, moments), p)
    assert _close(spectrum.lambda_max, sharpness(weights, moments, structure=False).lambda_max, p)
    if whitened:  # lambda_max = ||W_2||^2 + ||W_1||^2
        norms = sum(np.linalg.norm(w, 2) ** 2 for w in weights)
        assert _close(spectrum.lambda_max, norms, p)
    # the reported residual bounds the true residual of the eigenvector, and the vector is unit
    sigma = None if moments is None else moments.sigma_x
    gram = output_gram(weights, sigma)
    root = np.eye(20) if moments is None else moments.sigma_x_sqrt
    shortcut = shallow_top(weights, None if moments is None else root)
    m = shortcut.matrix.reshape(-1)
    true_residual = np.linalg.norm(gram @ m - shortcut.value * m)
    assert true_residual <= shortcut.residual + 64 * m.size * EPS * shortcut.value
    assert abs(np.linalg.norm(m) - 1) <= 64 * EPS
    flat = np.concatenate([v.ravel() for v in spectrum.vector])
    assert abs(np.linalg.norm(flat) - 1) <= 64 * EPS


@pytest.mark.parametrize("depth", [3, 5])
def test_balanced_minimum_is_certified_without_lanczos(depth: int) -> None:
    rng = np.random.default_rng(depth)
    target = rng.standard_normal((24, 24)) / 5
    weights = balanced_minimum(target, [24] * (depth + 1), rng)
    spectrum = sharpness(weights)
    assert spectrum.method == "certified-bounds" and spectrum.products == 1 and spectrum.converged
    p = sum(w.size for w in weights)
    assert _close(spectrum.lambda_max, flattest_sharpness(target, depth), p)  # N s^(2-2/N)
    # dense G (576-square; same nonzero spectrum as H, output-gram-spectrum) instead of the P-square H
    assert _close(spectrum.lambda_max, float(np.linalg.eigvalsh(output_gram(weights))[-1]), p)
    assert _close(spectrum.lambda_max, sharpness(weights, structure=False).lambda_max, p)


@pytest.mark.parametrize("gauge", [1e-3, 1e-6, 1e-9])
def test_certificate_never_wrong_near_balance(gauge: float) -> None:
    """Planted errors: a balanced minimum moved along the gauge by (1 + gauge). Either the bounds
    do not match (None) or the value is within the certified gap of the true lambda_max."""
    rng = np.random.default_rng(7)
    target = rng.standard_normal((24, 24)) / 5
    weights = balanced_minimum(target, [24] * 4, rng)
    scale = np.eye(24)
    scale[0, 0] = 1 + gauge
    weights[1] = scale @ weights[1]
    weights[2] = weights[2] @ np.linalg.inv(scale)
    factors = gram_factors(weights)
    u, s, vt = np.linalg.svd(target)
    shortcut = certified_bilinear(factors, u[:, 0], vt[0], tol=TOL)
    reference = float(np.linalg.eigvalsh(factors.dense())[-1])
    if shortcut is not None:
        assert reference - shortcut.value <= shortcut.gap + 16 * 576 * EPS * reference
    if gauge >= 1e-6:  # the upper bound then exceeds rho by far more than 1e-10: not certified
        assert shortcut is None


def test_unbalanced_minimum_falls_back_to_lanczos() -> None:
    rng = np.random.default_rng(4)
    target = rng.standard_normal((24, 24)) / 5
    weights = gauge_minimum(target, [24] * 4, rng, condition=10.0)
    spectrum = sharpness(weights)
    assert spectrum.method in ("lanczos-gram", "arpack-gram")
    assert _close(spectrum.lambda_max, float(np.linalg.eigvalsh(output_gram(weights))[-1]), sum(w.size for w in weights))
