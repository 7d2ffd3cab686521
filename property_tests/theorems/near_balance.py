"""Theory id near-balance: a global minimum close to the flattest value is close to balanced along its top path."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import layers, sharpness
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget

__all__ = ["near_balance", "near_balance_margin"]


def _path_gains(ws: list[np.ndarray], v: np.ndarray, ctx: Arithmetic) -> list[Any]:
    """g_0..g_N = ||W_{k:1} v|| in ctx."""
    gains, x = [ctx.norm(v)], v
    for w in ws:
        x = w @ x
        gains.append(ctx.norm(x))
    return gains


def _near_balance_one_way(ws: list[np.ndarray], lam: Any, ctx: Arithmetic, constant: int | None = None) -> Any:
    """Margins of t^2 sum_k (g_{k-1}/g_k)^2 <= lambda_max and of the rho_k inequality, for the witness pair of T."""
    product = ws[0]
    for w in ws[1:]:
        product = w @ product
    u, v = ctx.top_singular_pair(product)
    t = u @ product @ v
    g = _path_gains(ws, v, ctx)
    n = len(ws)
    terms = [(lam - t**2 * sum((g[k - 1] / g[k]) ** 2 for k in range(1, n + 1))) / lam]
    if n > 1:
        s_v = g[n]
        c = n - 1 if constant is None else constant
        for k in range(1, n + 1):
            rho = ctx.power(s_v, Fraction(2, n)) * (g[k - 1] / g[k]) ** 2
            lhs = rho + c * ctx.power(rho, Fraction(-1, n - 1))
            terms.append((lam * ctx.power(s_v, Fraction(2, n)) / t**2 - lhs) / n)
    return ctx.minimum(terms)


def near_balance_margin(m: Minimum, ctx: Arithmetic, constant: int | None = None) -> Any:
    """Both directions (u with W^T backwards); ``constant`` replaces N - 1 (for the wrong variant only)."""
    ws = layers(m, ctx)
    lam = sharpness(m, ctx)
    backwards = [w.T for w in reversed(ws)]
    return ctx.minimum([_near_balance_one_way(ws, lam, ctx, constant), _near_balance_one_way(backwards, lam, ctx, constant)])


near_balance = claim(
    id="near-balance",
    kind="theorem",
    statement="whitened, any global minimum, (u, v) a top pair of T, t = u^T T v, g_k = ||W_{k:1} v||, r_k = g_k / "
              "g_{k-1}: t^2 sum_k r_k^-2 <= lambda_max, and rho_k = s^(2/N) / r_k^2 obeys rho_k + (N-1) rho_k^(-1/(N-1)) "
              "<= lambda_max / s^(2-2/N) = (1 + delta) N; also backwards with u and W^T. Checked in the form that "
              "holds for every unit pair (s -> ||T v|| and the factor s^2/t^2), so float64 witnesses certify",
    strategy=lambda: global_minima(max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)(near_balance_margin)
