"""False variants of the theory's claims, written as a user writes a claim file.

This is the mutation benchmark of ``wideminima verify`` (``benchmarks/bench_mutation.py``):
every claim here is FALSE, and a checker that reports one of them "verified" has
missed a real counterexample. Each variant perturbs a built-in claim (or a natural
conjecture about the same quantities) so that its violation set has a known shape:

- rarity among the default draws of its strategy: common, about 5%, 1% or 0.1%
  (measured by ``benchmarks/mutants/truth.py``, which decides every variant with
  dense NumPy code independent of the margins below);
- magnitude 1e-6 relative (a bound off by a factor 1 + 1e-6);
- structure: only at depth >= 3, only at end widths >= 3, only at repeated,
  clustered or zero singular values of T, only at ill-conditioned Sigma_x.

``META[id]`` records the family (the built-in claim it perturbs) and the region.
Run one with ``wideminima verify benchmarks/mutants/variants.py --claim ID``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from wideminima.numeric import products_after, products_before
from wideminima.property_tests import Minimum, claim
from wideminima.property_tests.quantities import flattest_bound, layers, sharpness, target, top_singular_value
from wideminima.strategies import global_minima, scalar_networks, trained_resnets

EPS = float(np.finfo(np.float64).eps)

WHITENED = global_minima()  # the documented default strategy: depth 1..4, widths 1..3, all minimum kinds
GENERAL = global_minima(whitened=False)
ILL_CONDITIONED = global_minima(whitened=False, max_condition=1000.0)
DEEP_WIDE = global_minima(min_depth=2, max_depth=5, max_width=3)
SCALAR = scalar_networks()
RESNETS = trained_resnets(min_depth=2, max_depth=3, max_width=3, target_kinds="near_identity")

META: dict[str, dict[str, str]] = {}


def _meta(family: str, region: str) -> Any:
    """Record the family and violation region of the claim the decorated margin becomes."""

    def note(c: Any) -> Any:
        META[c.id] = {"family": family, "region": region}
        return c

    return note


# ----------------------------------------------------------------------------- quantities (ctx)
def ratio(m: Minimum, ctx: Any) -> Any:
    """lambda_max / (N s^(2-2/N))."""
    return sharpness(m, ctx) / flattest_bound(m, ctx)


def hessian_trace(m: Minimum, ctx: Any) -> Any:
    """tr H = sum_k ||A_k||_F^2 ||B_k F||_F^2 at a global minimum (output-gram-spectrum)."""
    ws = layers(m, ctx)
    f = None if m.sigma_x_factor is None else ctx.array(m.sigma_x_factor)
    return sum(np.sum(a * a) * np.sum((b if f is None else b @ f) ** 2)
               for a, b in zip(products_after(ws), products_before(ws)))


def small_gram(t: np.ndarray) -> np.ndarray:
    """T^T T or T T^T, whichever is smaller (n x n, n = min(d_0, d_N)): eigenvalues s_i^2."""
    return t.T @ t if t.shape[1] <= t.shape[0] else t @ t.T


def determinant(m: np.ndarray) -> Any:
    """det of an n x n matrix, n <= 3, by cofactors (exact in every arithmetic)."""
    n = m.shape[0]
    if n == 1:
        return m[0, 0]
    if n == 2:
        return m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0]
    return (m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
            + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]))


def second_compound(m: np.ndarray) -> np.ndarray:
    """The 2x2 minors of m (C_2(m)); for symmetric PSD m its top eigenvalue is lambda_1 lambda_2."""
    n = m.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return np.array([[m[i, k] * m[j, l] - m[i, l] * m[j, k] for (k, l) in pairs] for (i, j) in pairs], dtype=object)


def second_singular_squared(m: Minimum, ctx: Any) -> Any:
    """s_2(T)^2 = lambda_max(C_2(T^T T)) / s_1^2 (min(d_0, d_N) >= 2)."""
    g = small_gram(target(m, ctx))
    return ctx.lambda_max(second_compound(g)) / ctx.lambda_max(g)


def second_singular_below(m: Minimum, ctx: Any, fraction: Fraction) -> Any:
    """(fraction s_1^2 - s_2^2) / s_1^2, or 1 when min(d_0, d_N) = 1 (no s_2)."""
    if min(m.widths[0], m.widths[-1]) < 2:
        return ctx.scalar(1)
    s1sq = ctx.lambda_max(small_gram(target(m, ctx)))
    return (s1sq * ctx.scalar(fraction) - second_singular_squared(m, ctx)) / s1sq


def balance_gap(m: Minimum, ctx: Any) -> Any:
    """max_k ||W_{k+1}^T W_{k+1} - W_k W_k^T||_F / ||W_k||_F^2 (0 at balanced minima)."""
    ws = layers(m, ctx)
    return ctx.maximum([ctx.norm(b.T @ b - a @ a.T) / ctx.norm(a) ** 2 for a, b in zip(ws[:-1], ws[1:])])


def whitened_sharpness(m: Minimum, ctx: Any) -> Any:
    """lambda_max of the same layers with Sigma_x = I."""
    return ctx.lambda_max(ctx.output_gram(layers(m, ctx), None))


def sigma_top(m: Minimum, ctx: Any) -> Any:
    """lambda_max(Sigma_x) (1 when whitened)."""
    if m.sigma_x_factor is None:
        return ctx.scalar(1)
    f = ctx.array(m.sigma_x_factor)
    return ctx.lambda_max(f @ f.T)


def sigma_mean(m: Minimum, ctx: Any) -> Any:
    """tr(Sigma_x) / d_0."""
    if m.sigma_x_factor is None:
        return ctx.scalar(1)
    f = ctx.array(m.sigma_x_factor)
    return np.sum(f * f) / ctx.scalar(m.widths[0])


def coupling_cosines(m: Minimum, ctx: Any) -> list[Any]:
    """cos(A_k^T u, W_{k:1} v), k = 1..N-1, for a top pair (u, v) of T (coupling-at-flattest)."""
    ws = layers(m, ctx)
    product = target(m, ctx)
    u, v = ctx.top_singular_pair(product)
    t = u @ product @ v
    after, x, out = products_after(ws), v, []
    for k in range(1, m.depth):
        x = ws[k - 1] @ x
        out.append(t / (ctx.norm(after[k - 1].T @ u) * ctx.norm(x)))
    return out


def scalar_closed_form(m: Minimum, ctx: Any) -> tuple[Any, Any]:
    """(sigma^2 sum_k prod_{j != k} w_j^2, |T|) of a scalar network."""
    n = m.depth
    w = [ctx.array(wk)[0, 0] for wk in m.weights]
    sigma2 = ctx.array(m.sigma_x_factor)[0, 0] ** 2
    closed = sigma2 * sum(np.prod([w[j] ** 2 for j in range(n) if j != k]) if n > 1 else ctx.scalar(1)
                          for k in range(n))
    return closed, ctx.absolute(np.prod(w))


def _sigma2(m: Minimum, ctx: Any) -> Any:
    return ctx.array(m.sigma_x_factor)[0, 0] ** 2


def scalar_ratio(m: Minimum, ctx: Any) -> Any:
    """The scalar network's lambda_max over N sigma^2 |T|^(2-2/N) (1 at the flattest point)."""
    closed, t = scalar_closed_form(m, ctx)
    return closed / (m.depth * _sigma2(m, ctx) * ctx.power(t, Fraction(2 * m.depth - 2, m.depth)))


# ----------------------------------------------------------------------------- sharpness-lower-bound / balanced
@_meta("balanced-attains-bound", "common (gauge, near-flattest)")
@claim(id="v-ratio-at-most-1-1", statement="whitened: every global minimum has lambda_max <= 1.1 N s^(2-2/N)",
       strategy=WHITENED)
def ratio_at_most_1_1(m, ctx):
    return ctx.scalar(Fraction(11, 10)) - ratio(m, ctx)


@_meta("balanced-attains-bound", "~5%")
@claim(id="v-ratio-at-most-3-8", statement="whitened: lambda_max <= 3.8 N s^(2-2/N)", strategy=WHITENED)
def ratio_at_most_3_8(m, ctx):
    return ctx.scalar(Fraction(38, 10)) - ratio(m, ctx)


@_meta("balanced-attains-bound", "~1%")
@claim(id="v-ratio-at-most-10", statement="whitened: lambda_max <= 10 N s^(2-2/N)", strategy=WHITENED)
def ratio_at_most_10(m, ctx):
    return (ctx.scalar(10) - ratio(m, ctx)) / 10


@_meta("balanced-attains-bound", "~0.1%")
@claim(id="v-ratio-at-most-17", statement="whitened: lambda_max <= 17 N s^(2-2/N)", strategy=WHITENED)
def ratio_at_most_17(m, ctx):
    return (ctx.scalar(17) - ratio(m, ctx)) / 17


@_meta("sharpness-lower-bound", "magnitude 1e-6 (flattest minima)")
@claim(id="v-lower-bound-plus-1e-6", statement="whitened: lambda_max >= (1 + 1e-6) N s^(2-2/N)", strategy=WHITENED)
def lower_bound_plus(m, ctx):
    return ratio(m, ctx) - ctx.scalar(Fraction(1_000_001, 1_000_000))


@_meta("sharpness-lower-bound", "depth >= 3, s > 1")
@claim(id="v-lower-bound-exponent", statement="whitened: lambda_max >= N s^(N-1) (equals N s^(2-2/N) for N <= 2)",
       strategy=WHITENED)
def lower_bound_exponent(m, ctx):
    bound = m.depth * ctx.power(top_singular_value(m, ctx), m.depth - 1)
    return sharpness(m, ctx) / bound - 1


@_meta("sharpness-lower-bound", "magnitude 1e-6 and depth >= 3")
@claim(id="v-lower-bound-plus-1e-6-deep", statement="whitened: lambda_max >= (1 + 1e-6 [N >= 3]) N s^(2-2/N)",
       strategy=WHITENED)
def lower_bound_plus_deep(m, ctx):
    return ratio(m, ctx) - ctx.scalar(Fraction(1_000_001, 1_000_000) if m.depth >= 3 else 1)


@_meta("sharpness-lower-bound", "rank T >= 2 at flattest minima, depth >= 2")
@claim(id="v-lower-bound-frobenius", statement="whitened: lambda_max >= N ||T||_F^(2-2/N)", strategy=WHITENED)
def lower_bound_frobenius(m, ctx):
    fro = ctx.norm(target(m, ctx))
    return sharpness(m, ctx) / (m.depth * ctx.power(fro, Fraction(2 * m.depth - 2, m.depth))) - 1


@_meta("sharpness-lower-bound", "rank T >= 2 at flattest minima, depth >= 2, magnitude 1e-6 inflated by tiny s_2")
@claim(id="v-lower-bound-s1-plus-s2-squared",
       statement="whitened: lambda_max >= N (s_1^2 + 1e-6 s_2^2)^(1-1/N)", strategy=WHITENED)
def lower_bound_s2(m, ctx):
    s1sq = ctx.lambda_max(small_gram(target(m, ctx)))
    s2sq = second_singular_squared(m, ctx) if min(m.widths[0], m.widths[-1]) >= 2 else ctx.scalar(0)
    bound = m.depth * ctx.power(s1sq + s2sq * ctx.scalar(Fraction(1, 10**6)), Fraction(m.depth - 1, m.depth))
    return sharpness(m, ctx) / bound - 1


# ----------------------------------------------------------------------------- output-gram-spectrum (trace)
@_meta("output-gram-spectrum", "common (gram of effective rank > 2)")
@claim(id="v-trace-at-most-2-lambda", statement="tr H <= 2 lambda_max at every global minimum", strategy=WHITENED)
def trace_at_most_2(m, ctx):
    return (2 * sharpness(m, ctx) - hessian_trace(m, ctx)) / hessian_trace(m, ctx)


@_meta("output-gram-spectrum", "end widths >= 3 (d_0 d_N > d_0 + d_N), near-isotropic gram; ~7%")
@claim(id="v-trace-at-most-end-widths", statement="tr H <= (d_0 + d_N) lambda_max at every global minimum",
       strategy=WHITENED)
def trace_at_most_end_widths(m, ctx):
    return ((m.widths[0] + m.widths[-1]) * sharpness(m, ctx) - hessian_trace(m, ctx)) / hessian_trace(m, ctx)


@_meta("output-gram-spectrum", "~4%: 2+ nonzero singular values spread, both end widths >= 2")
@claim(id="v-trace-vs-top-path", statement="tr H >= min(d_0, d_N) N s^(2-2/N) at every global minimum",
       strategy=WHITENED)
def trace_vs_top_path(m, ctx):
    return hessian_trace(m, ctx) / (min(m.widths[0], m.widths[-1]) * flattest_bound(m, ctx)) - 1


@_meta("output-gram-spectrum", "magnitude 1e-6, any Sigma_x (every instance)")
@claim(id="v-trace-numeric-plus-1e-6",
       statement="the numeric engine's hessian_trace is >= (1 + 1e-6) sum_k ||A_k||_F^2 ||B_k F||_F^2",
       strategy=GENERAL)
def trace_numeric_plus(m, ctx):
    from wideminima.numeric.gram import hessian_trace as numeric_trace

    value = ctx.scalar(float(numeric_trace(m.weights, None if m.is_whitened else m.sigma_x)))
    return value / hessian_trace(m, ctx) - ctx.scalar(Fraction(1_000_001, 1_000_000))


# ----------------------------------------------------------------------------- spectrum of T
@_meta("targets", "repeated top singular value (repeated_top targets)")
@claim(id="v-top-gap", statement="s_2^2 <= (1 - 1e-3) s_1^2 for every target with min(d_0, d_N) >= 2",
       strategy=WHITENED)
def top_gap(m, ctx):
    return second_singular_below(m, ctx, Fraction(999, 1000))


@_meta("targets", "clustered top singular values (s_2 > 0.9 s_1)")
@claim(id="v-top-cluster", statement="s_2 <= 0.9 s_1 for every target with min(d_0, d_N) >= 2", strategy=WHITENED)
def top_cluster(m, ctx):
    return second_singular_below(m, ctx, Fraction(81, 100))


@_meta("targets", "zero singular values (rank-deficient T)")
@claim(id="v-full-rank", statement="det(T^T T) >= 1e-6 s_1^(2n), n = min(d_0, d_N): every target has full rank",
       strategy=WHITENED)
def full_rank(m, ctx):
    g = small_gram(target(m, ctx))
    s1sq = ctx.lambda_max(g)
    return determinant(g) / ctx.power(s1sq, g.shape[0]) - ctx.scalar(Fraction(1, 10**6))


@_meta("targets", "rank one T with min(d_0, d_N) >= 2")
@claim(id="v-second-singular-nonzero", statement="||T||_F^2 >= (1 + 1e-3) s_1^2 when min(d_0, d_N) >= 2",
       strategy=WHITENED)
def second_singular_nonzero(m, ctx):
    if min(m.widths[0], m.widths[-1]) < 2:
        return ctx.scalar(1)
    t = target(m, ctx)
    s1sq = ctx.lambda_max(small_gram(t))
    return np.sum(t * t) / s1sq - ctx.scalar(Fraction(1001, 1000))


# ----------------------------------------------------------------------------- balance
@_meta("balanced-attains-bound", "common (gauge and flattest-unbalanced minima, depth >= 2)")
@claim(id="v-every-minimum-balanced", statement="every global minimum is balanced to 1e-3", strategy=WHITENED)
def every_minimum_balanced(m, ctx):
    if m.depth == 1:
        return ctx.scalar(1)
    return ctx.scalar(Fraction(1, 1000)) - balance_gap(m, ctx)


@_meta("balanced-attains-bound", "flattest but unbalanced minima")
@claim(id="v-flat-implies-balanced", statement="a global minimum with lambda_max <= (1 + 1e-9) N s^(2-2/N) is "
       "balanced to 1e-3", strategy=WHITENED)
def flat_implies_balanced(m, ctx):
    if m.depth == 1:
        return ctx.scalar(1)
    excess = ratio(m, ctx) - 1 - ctx.scalar(Fraction(1, 10**9))  # < 0: the premise (flat) holds
    return ctx.maximum([excess * 10**6, ctx.scalar(Fraction(1, 1000)) - balance_gap(m, ctx)])


@_meta("balanced-attains-bound", "gauge minima (unequal layer norms)")
@claim(id="v-equal-layer-norms", statement="at every global minimum the hidden-adjacent layers have equal "
       "Frobenius norms W_2..W_{N-1} (to 1e-6 relative)", strategy=WHITENED)
def equal_layer_norms(m, ctx):
    ws = layers(m, ctx)
    if m.depth < 4:  # fewer than two hidden-adjacent layers
        return ctx.scalar(1)
    norms = [np.sum(w * w) for w in ws[1:-1]]
    gaps = [ctx.absolute(a - b) / (a + b) for a, b in zip(norms[:-1], norms[1:])]
    return ctx.scalar(Fraction(1, 10**6)) - ctx.maximum(gaps)


# ----------------------------------------------------------------------------- coupling
@_meta("coupling-at-flattest", "common (non-flattest minima, depth >= 2)")
@claim(id="v-coupling-everywhere", statement="at every global minimum cos(A_k^T u, W_{k:1} v) >= 1 - 1e-6",
       strategy=WHITENED)
def coupling_everywhere(m, ctx):
    cos = coupling_cosines(m, ctx)
    return ctx.minimum(cos) - ctx.scalar(1 - 1e-6) if cos else ctx.scalar(1)


@_meta("coupling-at-flattest", "flattest-unbalanced minima with width >= 2")
@claim(id="v-coupling-top-singular", statement="at a flattest minimum s^(1/N) is the largest singular value of "
       "every W_k (to 1e-9)", strategy=global_minima(kind=("balanced", "flattest_unbalanced"), min_depth=2,
                                                     max_depth=4, min_width=2, max_width=3))
def coupling_top_singular(m, ctx):
    root = ctx.power(top_singular_value(m, ctx), Fraction(1, m.depth))
    return ctx.minimum([(root * ctx.scalar(1 + 1e-9) - ctx.top_singular_value(w)) / root for w in layers(m, ctx)])


@_meta("coupling-at-flattest", "magnitude 1e-6 (every instance)")
@claim(id="v-coupling-gain", statement="at a flattest minimum ||W_{k:1} v|| = (1 + 1e-6) s^(k/N) (k = N)",
       strategy=WHITENED)
def coupling_gain(m, ctx):
    t = target(m, ctx)
    u, v = ctx.top_singular_pair(t)
    s = u @ t @ v
    return ctx.scalar(1e-9) - ctx.absolute(ctx.norm(t @ v) / (s * ctx.scalar(1 + 1e-6)) - 1)


# ----------------------------------------------------------------------------- bilinear
@st.composite
def minimum_and_pair(draw: Any) -> dict[str, Any]:
    """A whitened or general minimum with the top pair of T F (half the time) or random unit vectors."""
    m = draw(GENERAL)
    if draw(st.booleans()):
        f = np.eye(m.widths[0]) if m.sigma_x_factor is None else m.sigma_x_factor
        u, _, vt = np.linalg.svd(m.target @ f)
        return {"minimum": m, "u": u[:, 0], "v": vt[0]}
    entries = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    u = np.array(draw(st.lists(entries, min_size=m.widths[-1], max_size=m.widths[-1])))
    v = np.array(draw(st.lists(entries, min_size=m.widths[0], max_size=m.widths[0])))
    u[0] = u[0] if np.linalg.norm(u) >= 1e-3 else 1.0
    v[0] = v[0] if np.linalg.norm(v) >= 1e-3 else 1.0
    return {"minimum": m, "u": u, "v": v}


def bilinear_sum(x: dict[str, Any], ctx: Any) -> Any:
    """sum_k ||A_k^T u||^2 ||B_k F v||^2 for the unit vectors of x."""
    from wideminima.property_tests.quantities import bilinear_terms

    u, v = ctx.array(x["u"]), ctx.array(x["v"])
    return sum(bilinear_terms(x["minimum"], ctx, u / ctx.norm(u), v / ctx.norm(v)))


@_meta("bilinear-lower-bound", "magnitude 1e-6 (top pair at balanced whitened minima)")
@claim(id="v-bilinear-plus-1e-6", statement="lambda_max >= (1 + 1e-6) sum_k ||A_k^T u||^2 ||B_k F v||^2",
       strategy=minimum_and_pair)
def bilinear_plus(x, ctx):
    lam = sharpness(x["minimum"], ctx)
    return (lam - bilinear_sum(x, ctx) * ctx.scalar(Fraction(1_000_001, 1_000_000))) / lam


@_meta("bilinear-lower-bound", "common (random unit vectors)")
@claim(id="v-bilinear-reversed", statement="lambda_max <= 2 sum_k ||A_k^T u||^2 ||B_k F v||^2 for unit u, v",
       strategy=minimum_and_pair)
def bilinear_reversed(x, ctx):
    lam = sharpness(x["minimum"], ctx)
    return (2 * bilinear_sum(x, ctx) - lam) / lam


# ----------------------------------------------------------------------------- near-balance
def _near_balance(m: Minimum, ctx: Any, constant: Any, rhs_factor: Any) -> Any:
    """min_k of (rhs_factor lambda_max s_v^(2/N) / t^2 - rho_k - c rho_k^(-1/(N-1))) / N, forwards only."""
    ws = layers(m, ctx)
    n = m.depth
    if n == 1:
        return ctx.scalar(1)
    product = target(m, ctx)
    u, v = ctx.top_singular_pair(product)
    t = u @ product @ v
    lam = sharpness(m, ctx)
    gains, x = [ctx.norm(v)], v
    for w in ws:
        x = w @ x
        gains.append(ctx.norm(x))
    s_v = gains[n]
    terms = []
    for k in range(1, n + 1):
        rho = ctx.power(s_v, Fraction(2, n)) * (gains[k - 1] / gains[k]) ** 2
        lhs = rho + constant * ctx.power(rho, Fraction(-1, n - 1))
        terms.append((rhs_factor * lam * ctx.power(s_v, Fraction(2, n)) / t**2 - lhs) / n)
    return ctx.minimum(terms)


@_meta("near-balance", "common (flattest minima, depth >= 2)")
@claim(id="v-near-balance-constant-n", statement="near-balance with N in place of N - 1", strategy=WHITENED)
def near_balance_constant_n(m, ctx):
    return _near_balance(m, ctx, ctx.scalar(m.depth), ctx.scalar(1))


@_meta("near-balance", "magnitude 1e-6 (flattest minima, depth >= 2)")
@claim(id="v-near-balance-tight", statement="near-balance with right side (1 - 1e-6) lambda_max / s^(2-2/N)",
       strategy=WHITENED)
def near_balance_tight(m, ctx):
    return _near_balance(m, ctx, ctx.scalar(m.depth - 1), ctx.scalar(Fraction(999_999, 1_000_000)))


# ----------------------------------------------------------------------------- general Sigma_x
@_meta("output-gram-spectrum (Sigma_x)", "common (non-whitened, anisotropic)")
@claim(id="v-sigma-mean", statement="lambda_max(H_Sigma) <= (tr Sigma_x / d_0) lambda_max(H_I)", strategy=GENERAL)
def sigma_mean_bound(m, ctx):
    lam = sharpness(m, ctx)
    return (sigma_mean(m, ctx) * whitened_sharpness(m, ctx) - lam) / lam


@_meta("output-gram-spectrum (Sigma_x)", "~1%: Sigma_x's top direction misaligned with the gram's")
@claim(id="v-sigma-top-046", statement="lambda_max(H_Sigma) >= 0.46 lambda_max(Sigma_x) lambda_max(H_I)",
       strategy=GENERAL)
def sigma_top_046(m, ctx):
    bound = sigma_top(m, ctx) * whitened_sharpness(m, ctx)
    return sharpness(m, ctx) / bound - ctx.scalar(Fraction(46, 100))


@_meta("output-gram-spectrum (Sigma_x)", "ill-conditioned Sigma_x (condition > 100)")
@claim(id="v-sigma-ill-conditioned", statement="lambda_max(H_Sigma) >= lambda_max(Sigma_x) lambda_max(H_I) / 100 "
       "(Sigma_x of condition up to 1000)", strategy=ILL_CONDITIONED)
def sigma_ill_conditioned(m, ctx):
    bound = sigma_top(m, ctx) * whitened_sharpness(m, ctx)
    return sharpness(m, ctx) / bound - ctx.scalar(Fraction(1, 100))


@_meta("output-gram-spectrum (Sigma_x)", "common (non-whitened)")
@claim(id="v-sigma-ignored", statement="lambda_max(H_Sigma) = lambda_max(H_I) (Sigma_x does not matter), to 1e-7",
       strategy=GENERAL)
def sigma_ignored(m, ctx):
    lam = sharpness(m, ctx)
    return ctx.scalar(1e-7) - ctx.absolute(whitened_sharpness(m, ctx) - lam) / lam


# ----------------------------------------------------------------------------- hessian-gauss-newton
@st.composite
def minimum_and_direction(draw: Any) -> dict[str, Any]:
    """A general minimum and a random direction D (entries in [-1, 1])."""
    m = draw(GENERAL)
    entries = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    d = [np.array(draw(st.lists(entries, min_size=w.size, max_size=w.size))).reshape(w.shape) for w in m.weights]
    return {"minimum": m, "direction": d}


@_meta("hessian-gauss-newton", "common (non-whitened): Sigma_x forgotten in the Gauss-Newton form")
@claim(id="v-gauss-newton-without-sigma", statement="H[D, D] = ||sum_k A_k D_k B_k||_F^2 for any Sigma_x "
       "(to 1e-7 relative)", strategy=minimum_and_direction)
def gauss_newton_without_sigma(x, ctx):
    from wideminima.numeric.hessian import hessian_vector_product

    m, d = x["minimum"], x["direction"]
    hd = hessian_vector_product(m.weights, m.moments(), d)
    q = ctx.scalar(float(sum(np.sum(a * b) for a, b in zip(d, hd))))
    ws, ds = layers(m, ctx), ctx.matrices(d)
    jd = sum(a @ dk @ b for a, dk, b in zip(products_after(ws), ds, products_before(ws)))
    exact = np.sum(jd * jd)
    if float(ctx.value(exact)) == 0.0:
        return ctx.scalar(1)
    return ctx.scalar(1e-7) - ctx.absolute(q - exact) / exact


# ----------------------------------------------------------------------------- scalar-closed-form
@_meta("scalar-closed-form", "magnitude 1e-6 (equal |w_k|)")
@claim(id="v-scalar-plus-1e-6", statement="d_k = 1: sigma^2 sum_k prod_{j!=k} w_j^2 >= (1 + 1e-6) N sigma^2 "
       "|T|^(2-2/N)", strategy=SCALAR)
def scalar_plus(m, ctx):
    return scalar_ratio(m, ctx) - ctx.scalar(Fraction(1_000_001, 1_000_000))


@_meta("scalar-closed-form", "depth >= 3 and |T| > 1")
@claim(id="v-scalar-exponent", statement="d_k = 1: sigma^2 sum_k prod_{j!=k} w_j^2 >= N sigma^2 |T|^(N-1)",
       strategy=SCALAR)
def scalar_exponent(m, ctx):
    closed, t = scalar_closed_form(m, ctx)
    return closed / (m.depth * _sigma2(m, ctx) * ctx.power(t, m.depth - 1)) - 1


@_meta("scalar-closed-form", "~1%: very uneven |w_k| with |T| far from 1")
@claim(id="v-scalar-at-most-1-35", statement="d_k = 1: sigma^2 sum_k prod_{j!=k} w_j^2 <= 1.35 N sigma^2 "
       "|T|^(2-2/N)", strategy=SCALAR)
def scalar_at_most_1_35(m, ctx):
    return ctx.scalar(Fraction(135, 100)) - scalar_ratio(m, ctx)


# ----------------------------------------------------------------------------- resnet-zero-init-flattest / gd
@_meta("resnet-zero-init-flattest", "common (non-symmetric near-identity targets)")
@claim(id="v-resnet-equal-layers", statement="GD from the zero-init ResNet ends with equal layers (to 1e-9) for "
       "every T within the deficiency margin of I", strategy=RESNETS, examples_scale=0.2)
def resnet_equal_layers(x, ctx):
    ws = ctx.matrices(x["weights"])
    scale = ctx.norm(ws[0])
    return ctx.scalar(1e-9) - ctx.maximum([ctx.norm(w - ws[0]) / scale for w in ws[1:]])


@_meta("gd-excess-sharpness", "common: excess above 1e-3 eta^2")
@claim(id="v-gd-excess-small", statement="GD from the zero-init ResNet ends at lambda_max / (N s^(2-2/N)) - 1 <= "
       "1e-3 eta^2", strategy=RESNETS, examples_scale=0.2)
def gd_excess_small(x, ctx):
    excess = ratio(Minimum(list(x["weights"])), ctx) - 1
    allowed = ctx.scalar(Fraction(1, 1000)) * ctx.scalar(x["lr"]) ** 2
    return (allowed - excess) / allowed


# ----------------------------------------------------------------------------- widths and depth
@_meta("widths", "end widths 1 with gauge minima: ratio above min(d_0, d_N) + 1")
@claim(id="v-ratio-at-most-width", statement="whitened: lambda_max <= (min(d_0, d_N) + 1) N s^(2-2/N)",
       strategy=WHITENED)
def ratio_at_most_width(m, ctx):
    return ctx.scalar(min(m.widths[0], m.widths[-1]) + 1) - ratio(m, ctx)


@_meta("widths", "non-flattest minima whose gram is both sharp and spread (tr H > d_0 d_N N s^(2-2/N))")
@claim(id="v-trace-at-most-widths-bound", statement="whitened: tr H <= d_0 d_N N s^(2-2/N) at every global minimum "
       "of depth 2..5", strategy=DEEP_WIDE)
def trace_at_most_widths_bound(m, ctx):
    bound = m.widths[0] * m.widths[-1] * flattest_bound(m, ctx)
    return (bound - hessian_trace(m, ctx)) / bound


@_meta("depth", "depth 5 only, flattest minima, magnitude 1e-6")
@claim(id="v-lower-bound-depth-5", statement="whitened: lambda_max >= (1 + 1e-6 [N = 5]) N s^(2-2/N), depth 2..5",
       strategy=DEEP_WIDE)
def lower_bound_depth_5(m, ctx):
    return ratio(m, ctx) - ctx.scalar(Fraction(1_000_001, 1_000_000) if m.depth == 5 else 1)
