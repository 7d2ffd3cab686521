"""Theory id near-balance-general: for any Sigma_x the near-balance band holds along the path from Sigma_x^{1/2} v*."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import flattest_direction, layers, sharpness, sigma_x_factor, target
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget

__all__ = ["flattest_path_start", "near_balance_general", "near_balance_general_margin"]


def flattest_path_start(m: Minimum, ctx: Arithmetic) -> tuple[np.ndarray, Any, np.ndarray]:
    """(x, t, u) in ctx: x = F w for the unit witness w of F(T, Sigma_x, N), u = T x / ||T x||, t = u^T T x."""
    factor = sigma_x_factor(m, ctx)
    w = ctx.array(flattest_direction(m))
    x = factor @ (w / ctx.norm(w))
    y = target(m, ctx) @ x
    u = y / ctx.norm(y)
    return x, u @ y, u


def path_gains(ws: list[np.ndarray], x: np.ndarray, ctx: Arithmetic) -> list[Any]:
    """g_0..g_N = ||W_{k:1} x|| in ctx."""
    gains = [ctx.norm(x)]
    for w in ws:
        x = w @ x
        gains.append(ctx.norm(x))
    return gains


def near_balance_general_margin(m: Minimum, ctx: Arithmetic, constant: int | None = None) -> Any:
    """Margins of t^2 sum_k (g_{k-1}/g_k)^2 <= lambda_max and of rho_k + (N-1) rho_k^(-1/(N-1)) <= (g_N/g_0)^(2/N)
    lambda_max / t^2, rho_k = (g_N/g_0)^(2/N) (g_{k-1}/g_k)^2, along x = F w; ``constant`` replaces N - 1 (wrong variant)."""
    ws = layers(m, ctx)
    lam = sharpness(m, ctx)
    n = m.depth
    x, t, _ = flattest_path_start(m, ctx)
    g = path_gains(ws, x, ctx)
    terms = [(lam - t**2 * sum((g[k - 1] / g[k]) ** 2 for k in range(1, n + 1))) / lam]
    if n > 1:
        scale = ctx.power(g[n] / g[0], Fraction(2, n))
        c = n - 1 if constant is None else constant
        for k in range(1, n + 1):
            rho = scale * (g[k - 1] / g[k]) ** 2
            lhs = rho + c * ctx.power(rho, Fraction(-1, n - 1))
            terms.append((lam * scale / t**2 - lhs) / n)
    return ctx.minimum(terms)


near_balance_general = claim(
    id="near-balance-general",
    kind="theorem",
    statement="any Sigma_x = F F^T, any global minimum, w the witness of F(T, Sigma_x, N), x = F w, u = T x / ||T x||, "
              "t = u^T T x, g_k = ||W_{k:1} x||: t^2 sum_k (g_{k-1}/g_k)^2 <= lambda_max, and rho_k = (g_N/g_0)^(2/N) "
              "(g_{k-1}/g_k)^2 obeys rho_k + (N-1) rho_k^(-1/(N-1)) <= (g_N/g_0)^(2/N) lambda_max / t^2 "
              "(= (1 + delta) N with delta = lambda_max / F - 1 at the exact witness); forward direction only, N >= 2. "
              "Holds for every unit w, so the float64 witness certifies",
    strategy=lambda: global_minima(whitened=False, min_depth=2, max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)(near_balance_general_margin)
