"""Scalar networks (theory id scalar-closed-form): closed forms against sympy.hessian, exactly."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from wideminima.errors import InputError
from wideminima.numeric import Moments, gradient
from wideminima.symbolic import evaluate, scalar_network
from wideminima.symbolic.steps import is_zero


@pytest.mark.parametrize("depth", range(1, 13))
def test_closed_form_hessian_equals_bruteforce(depth: int) -> None:
    net = scalar_network(depth)
    assert is_zero(net.hessian() - net.hessian_bruteforce())
    assert is_zero(net.gradient() - sp.ImmutableMatrix([sp.diff(net.loss(), w) for w in net.weights]))


@pytest.mark.parametrize("depth", range(1, 13))
def test_rank_one_at_minima_with_eigenvalue_trace(depth: int) -> None:
    net = scalar_network(depth)
    h = net.at_minimum(net.hessian_bruteforce())
    g = net.path_vector()
    assert is_zero(h - net.hessian_at_minimum())
    assert is_zero(h - net.sigma**2 * g * g.T)
    assert is_zero(h * g - net.sharpness_at_minimum() * g)
    assert is_zero(h.trace() - net.sharpness_at_minimum())


def test_monomials_are_canonical() -> None:
    # The fast constructor must give the very objects SymPy builds (same hash, ==), including
    # the name order w10 < w2 of the symbols.
    net = scalar_network(12)
    for exps in ([2] * 12, [1, 0, 2] * 4, [0] * 11 + [1], [1] * 12, [2, 1] * 6, [0] * 12):
        for sigma_power in (0, 1, 2):
            expected = sp.Mul(net.sigma**sigma_power, *[w**e for w, e in zip(net.weights, exps)])
            built = net.monomial(exps, sigma_power)
            assert built == expected and hash(built) == hash(expected)
            assert built.args == expected.args


def test_depth_64_entries_match_differentiation() -> None:
    net = scalar_network(64)
    h = net.hessian()  # its cost is measured in benchmarks/bench_symbolic.py, not asserted here
    loss = net.loss()
    for i, j in [(1, 1), (1, 2), (10, 2), (64, 33), (7, 7)]:
        direct = sp.diff(loss, net.weights[i - 1], net.weights[j - 1])
        assert is_zero(h[i - 1, j - 1] - direct)


@pytest.mark.parametrize("depth", [1, 2, 3, 7])
def test_flattest_value_and_its_minimum(depth: int) -> None:
    net = scalar_network(depth)
    flat = dict(zip(net.weights, net.flattest_weights()))
    assert is_zero(net.product().subs(flat) - net.target)
    assert is_zero(net.sharpness_at_minimum().subs(flat) - net.flattest_sharpness())


def test_unbalanced_minimum_is_sharper_exactly() -> None:
    # T = 4, N = 2: w = (2, 2) gives 2*4 = 8; w = (1, 4) gives 1 + 16 = 17 > 8.
    net = scalar_network(2)
    w1, w2 = net.weights
    values = {net.sigma: 1}
    assert net.sharpness_at_minimum().subs({w1: 2, w2: 2, **values}) == 8
    assert net.sharpness_at_minimum().subs({w1: 1, w2: 4, **values}) == 17
    assert net.flattest_sharpness().subs({net.target: 4, **values}) == 8


def test_gradient_agrees_with_numeric_engine() -> None:
    rng = np.random.default_rng(11)
    net = scalar_network(4)
    w = rng.standard_normal(4)
    sigma, t = 1.3, 0.7
    moments = Moments.from_target(np.array([[t]]), np.array([[sigma**2]]))
    numeric = np.array([g[0, 0] for g in gradient([np.array([[x]]) for x in w], moments)])
    values = {**dict(zip(net.weights, w)), net.sigma: sigma, net.target: t}
    exact = np.array([float(x) for x in evaluate(net.gradient(), values)])
    # The numeric gradient is a few float products: relative error a few eps times the
    # condition of the sum (P - T); 1e-12 relative to the largest entry is ample.
    np.testing.assert_allclose(numeric, exact, rtol=0, atol=1e-12 * np.max(np.abs(exact)))


@pytest.mark.parametrize("depth", [0, -1, 1.5, True, "3", None])
def test_bad_depth(depth: object) -> None:
    with pytest.raises(InputError, match="depth"):
        scalar_network(depth)  # type: ignore[arg-type]
