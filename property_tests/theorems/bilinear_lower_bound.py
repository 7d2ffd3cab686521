"""Theory id bilinear-lower-bound: lambda_max >= sum_k ||A_k^T u||^2 ||B_k Sigma_x^{1/2} v||^2 for unit u, v."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..arithmetic import Arithmetic
from ..claims import claim
from ..quantities import bilinear_terms, sharpness
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, instance_gram_budget

__all__ = ["bilinear_lower_bound"]


@st.composite
def minima_and_pairs(draw: Any) -> dict[str, Any]:
    """{"minimum", "u" (d_N,), "v" (d_0,)}: u, v random (norm >= 1e-3) or the top singular pair of T F."""
    m = draw(global_minima(whitened=False, max_depth=4, max_width=3))
    d_in, d_out = m.widths[0], m.widths[-1]
    if draw(st.booleans()):  # the top singular pair of T F makes the bound tight at balanced whitened minima
        f = np.eye(d_in) if m.sigma_x_factor is None else m.sigma_x_factor
        u, _, vt = np.linalg.svd(m.target @ f)
        return {"minimum": m, "u": u[:, 0], "v": vt[0]}
    entries = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    u = np.array(draw(st.lists(entries, min_size=d_out, max_size=d_out)))
    v = np.array(draw(st.lists(entries, min_size=d_in, max_size=d_in)))
    # keep the norms away from 0 (a unit vector is formed from them): shrinks to e_1
    u[0] = u[0] if np.linalg.norm(u) >= 1e-3 else 1.0
    v[0] = v[0] if np.linalg.norm(v) >= 1e-3 else 1.0
    return {"minimum": m, "u": u, "v": v}


@claim(
    id="bilinear-lower-bound",
    kind="theorem",
    statement="for unit u, v at any global minimum and any Sigma_x: lambda_max >= sum_k ||A_k^T u||^2 "
              "||B_k Sigma_x^{1/2} v||^2 (u, v random or the top singular pair of T Sigma_x^{1/2}); "
              "margin (lambda_max - bound) / lambda_max",
    strategy=minima_and_pairs,
    budget=instance_gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)
def bilinear_lower_bound(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """(lambda_max - sum_k ||A_k^T u||^2 ||B_k F v||^2) / lambda_max for the unit vectors u, v."""
    m = x["minimum"]
    u, v = ctx.array(x["u"]), ctx.array(x["v"])
    u, v = u / ctx.norm(u), v / ctx.norm(v)
    lam = sharpness(m, ctx)
    return (lam - sum(bilinear_terms(m, ctx, u, v))) / lam
