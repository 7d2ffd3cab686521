"""Theory id flattest-value-general: for any Sigma_x the flattest sharpness is F(T, Sigma_x, N), attained by carrier minima."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from wideminima.numeric.flattest_general import flattest_value

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import flattest_bound, sharpness, sigma_x_factor, target
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget, representation_tolerance

__all__ = ["CARRIER_LABEL", "DUALITY_GAP", "flattest_value_general"]

# The label global_minima(whitened=False) gives the carrier minima it builds at F's optimal scale.
CARRIER_LABEL = "flattest_unbalanced"
# numeric.flattest_value's primal and dual meet to a few ulps (tests/numeric/test_flattest_general.py:
# <= 64 eps on d <= 5); 1e-12 leaves a factor ~100 and still refutes a 1e-6 wrong F.
DUALITY_GAP = 1e-12


def _dual(m: Minimum, ctx: Arithmetic) -> Any:
    """N lambda_max(t A + S) / ((t/p)^p q^(-q)) at the float64 weight t of numeric.flattest_value, in ctx
    (A = (T F)^T (T F), S = F^T F): an upper bound of F for every t > 0 (weighted AM-GM, Courant-Fischer)."""
    n = m.depth
    t_float = flattest_value(m.target, m.sigma_x, n).weight
    factor = sigma_x_factor(m, ctx)
    scaled = target(m, ctx) @ factor
    t = ctx.scalar(t_float)
    top = ctx.lambda_max(t * (scaled.T @ scaled) + factor.T @ factor)
    p, q = Fraction(n - 1, n), Fraction(1, n)
    return n * top / (ctx.power(t / ctx.scalar(p), p) * ctx.power(ctx.scalar(q), -q))


@claim(
    id="flattest-value-general",
    kind="theorem",
    statement="any Sigma_x = F F^T, N >= 2: every global minimum has lambda_max >= N a^p b^q at the witness w of "
              "F(T, Sigma_x, N) (a = ||T F w||^2, b = ||F w||^2, p = 1 - 1/N, q = 1/N; true for every unit w); the "
              "dual N lambda_max(t A + S) / ((t/p)^p q^-q) is >= it (weak duality) and within 1e-12 (F computed as "
              "a global maximum); carrier minima built at F's scale attain it to 64 N^2 d eps. Margin the smallest "
              "of lambda_max / F_w - 1, dual / F_w - 1, 1e-12 - (dual / F_w - 1) and, at carriers, 64 N^2 d eps - "
              "(lambda_max / F_w - 1)",
    strategy=lambda: global_minima(whitened=False, min_depth=2, max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE + "; the dual's lambda_max of t A + S by the same",
)
def flattest_value_general(m: Minimum, ctx: Arithmetic) -> Any:
    """Lower bound, weak duality, closed gap and (at carrier minima) attainment of F(T, Sigma_x, N)."""
    f_w = flattest_bound(m, ctx)
    ratio = sharpness(m, ctx) / f_w - 1
    gap = _dual(m, ctx) / f_w - 1
    terms = [ratio, gap, ctx.scalar(DUALITY_GAP) - gap]
    if m.label == CARRIER_LABEL:
        terms.append(ctx.scalar(representation_tolerance(m)) - ratio)
    return ctx.minimum(terms)
