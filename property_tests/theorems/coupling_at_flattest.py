"""Theory id coupling-at-flattest: at a flattest minimum consecutive layers share the top path direction f_k."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from wideminima.numeric.network import products_after

from ..arithmetic import Arithmetic
from ..claims import claim
from ..instances import Minimum
from ..quantities import flattest_exponent, layers, sharpness, target
from ..strategies import global_minima
from .budgets import INTERVAL_CERTIFICATE, gram_budget, representation_tolerance

__all__ = ["FLATTEST_LABELS", "coupling_at_flattest", "coupling_margin", "coupling_relations"]

# Instances the strategies build as flattest minima (exactly, before rounding the layers to float64).
FLATTEST_LABELS = ("balanced", "flattest_unbalanced")


def coupling_relations(m: Minimum, ctx: Arithmetic, gain_factor: float = 1.0) -> list[Any]:
    """tol - relative residuals of the coupling relations at a flattest minimum, k = 1..N.

    With a top pair (u, v) of T, t = u^T T v (= s for an exact pair) and
    f_k = W_{k:1} v / t^(k/N): | ||f_k|| - 1 | and ||W_k^T f_k - t^(1/N) f_{k-1}|| / t^(1/N)
    (W_k f_{k-1} = t^(1/N) f_k holds by the definition of f_k). tol is
    :func:`~wideminima.property_tests.theorems.budgets.representation_tolerance`: the flattest layers are
    rounded to float64 (seen: residuals below 1% of tol on 1500 ci-sized balanced and flattest-unbalanced
    instances). ``gain_factor`` multiplies t^(1/N) (1 for the theorem; tests pass 1 + 1e-6).
    """
    ws = layers(m, ctx)
    n = m.depth
    product = target(m, ctx)
    u, v = ctx.top_singular_pair(product)
    t = u @ product @ v
    root = ctx.power(t, Fraction(1, n)) * ctx.scalar(gain_factor)
    tolerance = ctx.scalar(representation_tolerance(m))
    f_before, x, terms = v, v, []
    for k in range(1, n + 1):
        x = ws[k - 1] @ x  # W_{k:1} v
        f = x / ctx.power(t, Fraction(k, n))
        terms.append(tolerance - ctx.absolute(ctx.norm(f) - 1))
        terms.append(tolerance - ctx.norm(ws[k - 1].T @ f - f_before * root) / root)
        f_before = f
    return terms


def coupling_margin(m: Minimum, ctx: Arithmetic) -> Any:
    """min_k cos(A_k^T u, W_{k:1} v) - (N t^(2-2/N) / lambda_max)^(N/2), k = 1..N-1; at instances built as
    flattest (``m.label`` in FLATTEST_LABELS) also the coupling relations (:func:`coupling_relations`)."""
    ws = layers(m, ctx)
    n = m.depth
    product = target(m, ctx)
    u, v = ctx.top_singular_pair(product)
    t = u @ product @ v
    lam = sharpness(m, ctx)
    floor = ctx.power(n * ctx.power(t, flattest_exponent(n)) / lam, Fraction(n, 2))
    after = products_after(ws)
    x, terms = v, []
    for k in range(1, n):
        x = ws[k - 1] @ x  # W_{k:1} v
        cosine = t / (ctx.norm(after[k - 1].T @ u) * ctx.norm(x))
        terms.append(cosine - floor)
    if m.label in FLATTEST_LABELS:
        # the cosine's deficit is quadratic in the angle, so a 1e-6 error in a relation moves it by only
        # ~1e-12; the relations themselves are checked linearly
        terms += coupling_relations(m, ctx)
    return ctx.minimum(terms)


coupling_at_flattest = claim(
    id="coupling-at-flattest",
    kind="theorem",
    statement="whitened: for unit u, v with t = u^T T v > 0 and k = 1..N-1, cos(A_k^T u, W_{k:1} v) >= "
              "(N t^(2-2/N) / lambda_max)^(N/2) (bilinear bound + AM-GM + Cauchy-Schwarz); at a flattest minimum "
              "with a top pair this is 1, i.e. f_k = W_{k:1} v / s^(k/N) is shared by W_k (left) and W_{k+1} (right): "
              "the coupling relations, which are also checked directly (||W_{k:1} v|| = s^(k/N), W_k^T f_k = s^(1/N) "
              "f_{k-1}, to 64 N^2 d eps) at the instances built as flattest (balanced, flattest unbalanced). Margin "
              "the smallest of cosine - floor and those relation margins",
    strategy=lambda: global_minima(min_depth=2, max_depth=5, max_width=3),
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)(coupling_margin)
