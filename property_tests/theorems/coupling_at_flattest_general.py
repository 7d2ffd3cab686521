"""Theory id coupling-at-flattest-general: for any Sigma_x, a flattest minimum carries the path from Sigma_x^{1/2} v*."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import flattest_exponent, layers, sharpness
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget, representation_tolerance
from .coupling_at_flattest import cosine_margins
from .flattest_value_general import CARRIER_LABEL
from .near_balance_general import flattest_path_start

__all__ = ["coupling_at_flattest_general", "coupling_general_margin", "coupling_general_relations"]


def coupling_general_relations(m: Minimum, ctx: Arithmetic, gain_factor: float = 1.0) -> list[Any]:
    """tol - residuals of ||f_k|| = 1 (k = 1..N) and W_k^T f_k = G^(1/N) f_{k-1} (k = 2..N) at a flattest minimum.

    x_0 = F w / ||F w||, G = ||T x_0|| (= t / ||F w||), f_k = W_{k:1} x_0 / G^(k/N); tol = 64 N^2 d eps (the
    flattest layers are rounded to float64). ``gain_factor`` multiplies G^(1/N) (1 for the theorem; tests pass 1 + 1e-6).
    """
    ws = layers(m, ctx)
    n = m.depth
    x, t, _ = flattest_path_start(m, ctx)
    g0 = ctx.norm(x)
    x0 = x / g0
    gain = t / g0
    root = ctx.power(gain, Fraction(1, n)) * ctx.scalar(gain_factor)
    tolerance = ctx.scalar(representation_tolerance(m))
    f_before, z, terms = x0, x0, []
    for k in range(1, n + 1):
        z = ws[k - 1] @ z
        f = z / ctx.power(gain, Fraction(k, n))
        terms.append(tolerance - ctx.absolute(ctx.norm(f) - 1))
        if k >= 2:
            terms.append(tolerance - ctx.norm(ws[k - 1].T @ f - f_before * root) / root)
        f_before = f
    return terms


def coupling_general_margin(m: Minimum, ctx: Arithmetic) -> Any:
    """min_k cos(A_k^T u, W_{k:1} x) - (N ||x||^(2/N) t^(2-2/N) / lambda_max)^(N/2), k = 1..N-1, x = F w; at carrier
    minima (built flattest) also :func:`coupling_general_relations`."""
    ws = layers(m, ctx)
    n = m.depth
    x, t, u = flattest_path_start(m, ctx)
    lam = sharpness(m, ctx)
    floor = ctx.power(n * ctx.power(ctx.norm(x), Fraction(2, n)) * ctx.power(t, flattest_exponent(n)) / lam,
                      Fraction(n, 2))
    terms = cosine_margins(ws, u, x, t, floor, ctx)
    if m.label == CARRIER_LABEL:
        terms += coupling_general_relations(m, ctx)
    return ctx.minimum(terms)


coupling_at_flattest_general = claim(
    id="coupling-at-flattest-general",
    kind="theorem",
    statement="any Sigma_x = F F^T, N >= 2, w the witness of F(T, Sigma_x, N), x = F w, u = T x / ||T x||, t = u^T T x: "
              "for k = 1..N-1, cos(A_k^T u, W_{k:1} x) >= (N ||x||^(2/N) t^(2-2/N) / lambda_max)^(N/2), which is 1 at "
              "a flattest minimum; there, with x_0 = x / ||x||, G = ||T x_0||, f_k = W_{k:1} x_0 / G^(k/N): "
              "||f_k|| = 1 and W_k^T f_k = G^(1/N) f_{k-1} for k >= 2, checked directly to 64 N^2 d eps at carrier "
              "minima. Margin the smallest of cosine - floor and those relation margins",
    strategy=lambda: global_minima(whitened=False, min_depth=2, max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)(coupling_general_margin)
