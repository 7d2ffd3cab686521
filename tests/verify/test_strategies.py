"""Strategies: constructive instances with the advertised properties; arguments validated with name=value."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from wideminima.errors import InputError
from wideminima.numeric import end_to_end, imbalance
from wideminima.property_tests.strategies import (
    covariances,
    depths,
    exact_balanced_minima,
    global_minima,
    orthogonal_matrices,
    scalar_networks,
    sigma_x_factors,
    targets,
    trained_resnets,
    widths,
)

EPS = np.finfo(float).eps


def _fraction_of_profile(fraction: float) -> settings:
    """The active profile's example count scaled by ``fraction`` (these strategies are costly to draw)."""
    return settings(max_examples=max(1, round(settings.default.max_examples * fraction)))


@given(orthogonal_matrices(3))
def test_orthogonal(q) -> None:
    assert np.allclose(q.T @ q, np.eye(3), atol=32 * EPS)


@given(targets(3, 2, kind="generic"))
def test_generic_targets_have_bounded_spectrum(t) -> None:
    s = np.linalg.svd(t, compute_uv=False)
    assert t.shape == (3, 2) and 0.25 * (1 - 1e-12) <= s.min() and s.max() <= 4 * (1 + 1e-12)


@given(targets(3, 3, kind="low_rank"))
def test_low_rank_targets(t) -> None:
    assert 1 <= np.linalg.matrix_rank(t) <= 2


@given(targets(2, 3, kind="repeated_top"))
def test_repeated_top(t) -> None:
    s = np.linalg.svd(t, compute_uv=False)
    assert abs(s[0] - s[1]) <= 16 * EPS * s[0]


@given(targets(3, 3, kind="spd"))
def test_spd(t) -> None:
    assert np.allclose(t, t.T, atol=16 * EPS * np.abs(t).max()) and np.linalg.eigvalsh((t + t.T) / 2).min() > 0


@given(targets(3, 3, kind="near_identity"))
def test_deficiency_margin(t) -> None:
    assert np.linalg.norm(t - np.eye(3)) < np.linalg.svd(t, compute_uv=False).min()


@given(sigma_x_factors(3, max_condition=5.0, identity=False))
def test_covariance_condition(f) -> None:
    assert np.linalg.cond(f @ f.T) <= 5.0 * (1 + 1e-9)


@given(widths(3, input_dim=2, output_dim=4, min_width=2, max_width=5))
def test_widths(dims) -> None:
    assert len(dims) == 4 and dims[0] == 2 and dims[-1] == 4 and all(2 <= d <= 5 for d in dims[1:-1])


@_fraction_of_profile(0.4)
@given(global_minima(whitened=False, max_depth=3, max_width=3))
def test_global_minima_are_factorizations(m) -> None:
    assert m.label in ("balanced", "gauge", "flattest_unbalanced", "near_flattest")
    assert min(m.widths) >= np.linalg.matrix_rank(m.target)
    assert m.sigma_x_factor is None or m.sigma_x_factor.shape == (m.widths[0],) * 2


@_fraction_of_profile(0.2)
@given(global_minima(kind="balanced", min_depth=2, max_depth=3))
def test_balanced_minima_are_balanced(m) -> None:
    assert np.all(np.asarray(imbalance(m.weights)) <= 1e-12)


@_fraction_of_profile(0.06)
@given(trained_resnets(max_depth=2, max_width=2, half_step=True))
def test_trained_resnets(x) -> None:
    assert x["status"] == "converged" and len(x["weights_half_step"]) == len(x["weights"])
    assert np.allclose(end_to_end(x["weights"]), x["target"], rtol=0, atol=1e-8)


@given(scalar_networks(max_depth=6))
def test_scalar_networks(m) -> None:
    assert all(w.shape == (1, 1) for w in m.weights) and m.sigma_x_factor.shape == (1, 1)


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: depths(min_depth=0), "min_depth=0"),
        (lambda: depths(min_depth=3, max_depth=2), "max_depth=2"),
        (lambda: widths(0), "depth=0"),
        (lambda: targets(2, 3, kind="spd"), "square"),
        (lambda: targets(1, 3, kind="low_rank"), "min\\(dims\\) >= 2"),
        (lambda: targets(2, 2, kind="unknown"), "kind='unknown'"),
        (lambda: sigma_x_factors(2, max_condition=0.5), "max_condition=0.5"),
        (lambda: global_minima(kind="flat"), "kind='flat'"),
        (lambda: global_minima(min_width=3, max_width=2), "min_width=3"),
        (lambda: trained_resnets(max_lr=1.0), "max_lr=1.0"),
        (lambda: trained_resnets(target_kinds="generic"), "target_kinds='generic'"),
        (lambda: scalar_networks(min_target=0), "min_target=0"),
        (lambda: orthogonal_matrices(0), "n=0"),
    ],
)
def test_bad_arguments_name_themselves(build, words) -> None:
    with pytest.raises(InputError, match=words):
        build()


@given(covariances(3, max_condition=4.0))
def test_covariances(sx) -> None:
    assert np.allclose(sx, sx.T) and np.linalg.cond(sx) <= 4.0 * (1 + 1e-9)


@settings(max_examples=40, deadline=None, database=None)
@given(exact_balanced_minima())
def test_exact_balanced_minima_are_balanced_and_flattest_without_rounding(m) -> None:
    from wideminima.property_tests.arithmetic import MultiPrecision
    from wideminima.property_tests.quantities import flattest_bound, sharpness

    for a, b in zip(m.weights[:-1], m.weights[1:]):
        assert np.array_equal(b.T @ b, a @ a.T)  # balanced exactly in float64
    mp = MultiPrecision()
    with mp.active():
        gap = sharpness(m, mp) / flattest_bound(m, mp) - 1
    assert abs(gap) < 1e-45  # 0 up to the 50-digit eigenvalue routine
