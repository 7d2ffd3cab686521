"""Theory id balanced-sharpness-general: every balanced minimum has lambda_max = B(T, Sigma_x, N), between F and cond F."""

from __future__ import annotations

from typing import Any

from wideminima.numeric.flatness import balanced_sharpness

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import flattest_bound, sharpness
from ..strategies import global_minima
from .budgets import EPS, gram_budget, representation_tolerance

__all__ = ["balanced_sharpness_general"]


@claim(
    id="balanced-sharpness-general",
    kind="theorem",
    statement="any Sigma_x: a balanced global minimum has lambda_max = B(T, Sigma_x, N) = lambda_max(Sigma_x^{1/2} V "
              "diag(sum_k s^(2(N-k)/N) sigma_j^(2(k-1)/N)) V^T Sigma_x^{1/2}) (numeric.balanced_sharpness, float64), "
              "and B >= F(T, Sigma_x, N); margin min(64 N^2 d eps + 64 d eps - |lambda_max / B - 1|, "
              "lambda_max / F_w - 1)",
    strategy=lambda: global_minima(kind="balanced", whitened=False, max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by="interval evaluation of lambda_max at the saved instance against the numeric engine's float64 B "
                 "(a refutation exposes balanced_sharpness or the theorem); F_w as in flattest-value-general",
)
def balanced_sharpness_general(m: Minimum, ctx: Arithmetic) -> Any:
    """tol - |lambda_max / B - 1| and lambda_max / F_w - 1 at a balanced minimum."""
    lam = sharpness(m, ctx)
    closed = balanced_sharpness(m.target, m.sigma_x, m.depth)
    # B in float64: an SVD of T, fractional powers and a symmetric square root, each ~ d eps relative
    tolerance = ctx.scalar(representation_tolerance(m) + 64 * max(m.widths) * EPS)
    return ctx.minimum([tolerance - ctx.absolute(lam / ctx.scalar(closed) - 1), lam / flattest_bound(m, ctx) - 1])
