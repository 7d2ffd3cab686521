"""A conjecture about the best value over all global minima, tested from both sides.

"For whitened data the flattest sharpness over the global minima of T is N s^(2-2/N)."

- No minimum is flatter: random minima (balanced, gauge, flattest, near-flattest) all
  have lambda_max >= N s^(2-2/N).
- The value is attained: minimize_over_minima searches the gauge orbit of T's
  minima (2 restarts from random points, Nelder-Mead, 4000 evaluations each) and
  must reach N s^(2-2/N) to 1e-4 relative (the optimizer's accuracy at this budget;
  most runs reach 1e-12); the margin is evaluated exactly at the minimum it returns.

    wideminima verify examples/flattest_value.py
"""

from fractions import Fraction

from hypothesis import strategies as st

from wideminima.property_tests import Minimum, claim, minimize_over_minima
from wideminima.property_tests.quantities import flattest_bound, sharpness
from wideminima.strategies import global_minima, targets


def ratio(m, ctx):
    return sharpness(m, ctx) / flattest_bound(m, ctx)


@claim(id="flattest-value-is-a-lower-bound", kind="conjecture",
       statement="whitened: every global minimum has lambda_max >= N s^(2-2/N)",
       strategy=global_minima(max_depth=4, max_width=3))
def lower_side(m, ctx):
    return ratio(m, ctx) - 1


@st.composite
def searched_minima(draw):
    """The flattest minimum the search finds for a drawn 2x2 target and depth 2..3."""
    depth = draw(st.integers(2, 3))
    t = draw(targets(2, 2, kind=("generic", "repeated_top")))
    best = minimize_over_minima(t, [2] * (depth + 1), restarts=2, seed=draw(st.integers(0, 2**16)),
                                max_evaluations=4000)
    return Minimum(best.weights, label="searched")


@claim(id="flattest-value-is-attained", kind="conjecture",
       statement="whitened: a search over the global minima reaches lambda_max <= (1 + 1e-4) N s^(2-2/N)",
       strategy=searched_minima(), examples_scale=0.1)
def upper_side(m, ctx):
    return ctx.scalar(Fraction(1, 10**4)) - (ratio(m, ctx) - 1)
