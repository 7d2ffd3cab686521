"""Exact widths from the degree-2N loss polynomial, next to the quadratic approximation."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from wideminima.errors import InputError, NoExactFactorizationError, NotAGlobalMinimumError
from wideminima.numeric import Moments, excess_loss
from wideminima.symbolic import exact_width, quadratic_width


def _balanced(seed: int, depth: int, d: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    s = np.sort(rng.uniform(0.5, 2.0, d))[::-1]
    ws = [np.diag(s ** (1.0 / depth)) for _ in range(depth)]
    return ws, [rng.standard_normal((d, d)) for _ in range(depth)]


def test_scalar_closed_form_both_sides() -> None:
    # w = (2, 2), D = (1, 1): L(s) = ((2 + s)^2 - 4)^2 / 2, level 1/2:
    # forward s^2 + 4 s - 1 = 0 -> s = sqrt(5) - 2; backward s^2 - 4 s + 1 = 0 -> s = 2 - sqrt(3); t = s sqrt(2).
    w = [np.array([[2.0]]), np.array([[2.0]])]
    d = [np.array([[1.0]]), np.array([[1.0]])]
    r = exact_width(w, None, d, 0.5)
    with mpmath.workdps(50):
        assert abs(r.forward - (mpmath.sqrt(5) - 2) * mpmath.sqrt(2)) < mpmath.mpf(10) ** -45
        assert abs(r.backward - (2 - mpmath.sqrt(3)) * mpmath.sqrt(2)) < mpmath.mpf(10) ** -45
        assert abs(r.quadratic - mpmath.sqrt(mpmath.mpf(1) / 8)) < mpmath.mpf(10) ** -45
    assert r.polynomial.degree() == 4 and r.forward_largest == r.forward


def test_polynomial_has_degree_2N_and_matches_the_numeric_loss() -> None:
    ws, ds = _balanced(1, 3, 2)
    r = exact_width(ws, None, ds, 1e-2)
    assert r.polynomial.degree() == 2 * 3
    moments = Moments.whitened(ws[2] @ ws[1] @ ws[0])
    for s in (0.0, 0.01, -0.03, 0.1):
        moved = [w + s * d for w, d in zip(ws, ds)]
        exact = float(r.polynomial.eval(s)) + 1e-2
        # excess_loss is a float64 evaluation of a sum of squares of O(1) residuals: a few eps
        # relative plus the rounding of T itself (eps * ||T||^2); 1e-12 absolute covers both.
        assert abs(excess_loss(moved, moments) - exact) <= 1e-12


def test_the_width_is_a_root_and_the_level_holds_inside() -> None:
    ws, ds = _balanced(2, 2, 3)
    r = exact_width(ws, None, ds, 1e-3)
    with mpmath.workdps(60):
        coeffs = [mpmath.mpf(c.p) / c.q for c in r.polynomial.all_coeffs()]
        s = r.forward / r.direction_norm
        scale = max(abs(c) for c in coeffs)
        assert abs(mpmath.polyval(coeffs, s)) < scale * mpmath.mpf(10) ** -44
        assert mpmath.polyval(coeffs, s * mpmath.mpf("0.999")) < 0


def test_ratio_tends_to_one_as_delta_shrinks() -> None:
    ws, ds = _balanced(3, 3, 2)
    gaps = [abs(exact_width(ws, None, ds, delta).ratio - 1) for delta in (1e-2, 1e-4, 1e-6, 1e-8)]
    # Cubic term: ratio - 1 = c1 sqrt(delta) + c2 delta + ..., so each factor 100 in delta shrinks the gap ~10x.
    assert all(b < a / 5 for a, b in zip(gaps, gaps[1:]))
    # Between delta = 1e-6 and 1e-8 the next term moves the quotient off 1/10 by ~0.1 (c2/c1) 1e-3 (here c2/c1
    # is below 1: ~7e-5 seen); 1e-3 leaves a factor 10 and still fails for any other power of delta.
    assert abs(gaps[-1] / gaps[-2] - 0.1) < 1e-3


def test_flat_direction_gives_infinite_width() -> None:
    # N = 2, W2 = [1, 0]: moving the second row of W1 never changes W2 W1.
    w = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 0.0]])]
    d = [np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([[0.0, 0.0]])]
    r = exact_width(w, None, d, 0.1)
    assert r.forward == mpmath.inf and r.backward == mpmath.inf and r.quadratic == mpmath.inf


def test_away_from_minima() -> None:
    w = [np.array([[2.0]]), np.array([[2.0]])]
    moments = Moments.whitened(np.array([[4.1]]))  # L(W) - L* = 0.005
    r = exact_width(w, moments, [np.array([[1.0]]), np.array([[0.0]])], 0.5)
    assert r.quadratic is None and r.ratio is None and r.forward > 0
    with pytest.raises(NotAGlobalMinimumError):
        quadratic_width(w, moments, [np.array([[1.0]]), np.array([[0.0]])], 0.5)
    with pytest.raises(InputError, match="exceeds delta"):
        exact_width(w, moments, [np.array([[1.0]]), np.array([[0.0]])], 0.001)


def test_width_below_rank() -> None:
    w = [np.ones((1, 2)), np.ones((2, 1))]  # rank-1 product, T has rank 2
    with pytest.raises(NoExactFactorizationError):
        quadratic_width(w, Moments.whitened(np.eye(2)), [np.ones((1, 2)), np.ones((2, 1))], 0.1)


@pytest.mark.parametrize(
    ("direction", "delta", "match"),
    [
        ([np.zeros((1, 1)), np.zeros((1, 1))], 0.1, "zero norm"),
        ([np.ones((1, 1)), np.ones((1, 1))], 0.0, "delta"),
        ([np.ones((1, 1)), np.ones((1, 1))], float("nan"), "delta"),
        ([np.ones((1, 1)), np.ones((1, 1))], -1.0, "delta"),
        ([np.ones((1, 1))], 0.1, "one matrix per layer"),
        ([np.ones((1, 2)), np.ones((1, 1))], 0.1, "shape"),
        ([np.array([[np.nan]]), np.ones((1, 1))], 0.1, "non-finite"),
        (np.ones(3), 0.1, "parameters"),
    ],
)
def test_bad_input(direction: object, delta: float, match: str) -> None:
    w = [np.array([[2.0]]), np.array([[2.0]])]
    with pytest.raises(InputError, match=match):
        exact_width(w, None, direction, delta)


def test_nonfinite_weights() -> None:
    with pytest.raises(InputError):
        exact_width([np.array([[np.inf]])], None, [np.ones((1, 1))], 0.1)
