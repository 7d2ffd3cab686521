"""Theory id balanced-attains-bound: whitened, every balanced global minimum has lambda_max = N s^(2-2/N)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..strategies import EXACT_LABEL, exact_balanced_minima, global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget, representation_tolerance
from .sharpness_lower_bound import sharpness_ratio

__all__ = ["balanced_attains_bound"]


@claim(
    id="balanced-attains-bound",
    kind="theorem",
    statement="whitened: every balanced global minimum has lambda_max = N s^(2-2/N); margin tol - |lambda_max / "
              "(N s^(2-2/N)) - 1| with tol = 64 N^2 d eps (the rounding of the balanced layers) on balanced minima "
              "with random frames, and tol = 0 on minima that float64 holds exactly (signed-permutation frames, "
              "dyadic layer singular values: exact_balanced_minima)",
    strategy=lambda: st.one_of(global_minima(kind="balanced", max_depth=5, max_width=3),
                               exact_balanced_minima(max_depth=5, max_width=3)),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)
def balanced_attains_bound(m: Minimum, ctx: Arithmetic) -> Any:
    """tol - |lambda_max / (N s^(2-2/N)) - 1| at a balanced minimum (tol = 0 at an exact one)."""
    tolerance = 0 if m.label == EXACT_LABEL else representation_tolerance(m)
    return ctx.scalar(tolerance) - ctx.absolute(sharpness_ratio(m, ctx) - 1)
