"""Theory id balanced-attains-bound: whitened, every balanced global minimum has lambda_max = N s^(2-2/N)."""

from __future__ import annotations

from typing import Any

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget, representation_tolerance
from .sharpness_lower_bound import sharpness_ratio

__all__ = ["balanced_attains_bound"]


@claim(
    id="balanced-attains-bound",
    kind="theorem",
    statement="whitened: every balanced global minimum has lambda_max = N s^(2-2/N); margin 64 N^2 d eps (the "
              "rounding of the balanced layers) - |lambda_max / (N s^(2-2/N)) - 1|",
    strategy=lambda: global_minima(kind="balanced", max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)
def balanced_attains_bound(m: Minimum, ctx: Arithmetic) -> Any:
    """tol_rep - |lambda_max / (N s^(2-2/N)) - 1| at a balanced minimum."""
    return ctx.scalar(representation_tolerance(m)) - ctx.absolute(sharpness_ratio(m, ctx) - 1)
