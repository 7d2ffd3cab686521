"""minimize_over_minima: stays on the set of minima and finds the known whitened optimum N s^(2-2/N)."""

from __future__ import annotations

import numpy as np
import pytest

from wideminima.errors import InputError
from wideminima.numeric import end_to_end, flattest_sharpness, gauge_minimum
from wideminima.property_tests.search import gauge_point, minimize_over_minima


def test_gauge_points_are_global_minima() -> None:
    rng = np.random.default_rng(0)
    t = rng.standard_normal((2, 3))
    base = gauge_minimum(t, [3, 4, 3, 2], rng)
    params = rng.standard_normal(sum(d * d for d in (4, 3)))
    ws = gauge_point(base, params)
    assert np.allclose(end_to_end(ws), t, rtol=0, atol=1e-11 * np.abs(t).max())


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["builtin", "scipy"])
@pytest.mark.parametrize("widths", [[2, 2, 2], [3, 4, 2, 2]])
def test_finds_the_flattest_sharpness_from_random_starts(optimizer: str, widths: list[int]) -> None:
    if optimizer == "scipy":
        pytest.importorskip("scipy")  # the optional `fast` extra
    rng = np.random.default_rng(1)
    t = rng.standard_normal((widths[-1], widths[0]))
    bound = flattest_sharpness(t, len(widths) - 1)
    best = minimize_over_minima(t, widths, restarts=3, seed=2, optimizer=optimizer, max_evaluations=3000,
                                lower_bound=bound)
    # the whitened optimum is known; the optimizer gets within 1e-6 of it (typically 1e-13)
    assert 0 <= best.gap / bound + 1e-14 and best.gap / bound < 1e-6
    assert len(best.restart_values) == 3 and best.value == min(best.restart_values)
    assert best.optimizer == ("scipy-nelder-mead" if optimizer == "scipy" else "builtin-es")


def test_custom_quantity_and_depth_one() -> None:
    t = np.diag([2.0, 1.0])
    best = minimize_over_minima(t, [2, 2], quantity=lambda ws: float(np.sum(ws[0] ** 2)))
    assert best.value == 5.0 and best.restart_values == [5.0]


@pytest.mark.parametrize("kwargs, words", [(dict(restarts=0), "restarts=0"), (dict(max_evaluations=5), "max_evaluations=5"),
                                           (dict(optimizer="bfgs"), "optimizer='bfgs'")])
def test_bad_arguments(kwargs, words) -> None:
    with pytest.raises(InputError, match=words):
        minimize_over_minima(np.eye(2), [2, 2, 2], **kwargs)
