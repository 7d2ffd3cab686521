"""The built-in claims: one per result id of theory.md, each with its margin, budget and certificate.

Conventions shared by every claim here:

- Instances are :class:`~wideminima.property_tests.instances.Minimum` (or dicts
  holding one): float64 layers taken exactly, T defined as their exact product,
  so every instance is exactly a global minimum; Sigma_x = F F^T from a stored
  factor F.
- Margins are relative (divided by the natural scale: lambda_max, N s^(2-2/N), a
  norm), so one budget fits every size.
- Budgets (float64 error of a margin) follow from backward error analysis:
  forming the output gram from N products of d x d matrices and taking its top
  eigenvalue (LAPACK, backward stable) errs by at most c (n + N d) eps S in
  absolute terms, with n = d_N d_0 and S = sum_k ||A_k||^2 ||B_k F||^2 the scale
  of the gram's terms (S = lambda_max at balanced minima, larger when layers are
  ill-conditioned). :func:`gram_budget` is 64 (n + N d_max) eps S / lambda_max:
  a few 1e-13 at the ci sizes, seven orders below the 1e-6 relative violations
  that must never slip through.
- Theorems whose instances meet their hypothesis only up to float64 rounding
  (balanced, flattest) state a representation tolerance inside the margin,
  derived the same way and named in the statement.
- Refutations: every margin below is written in ctx operations, so the engine
  certifies a refutation by evaluating it in interval arithmetic at the saved
  instance (lambda_max enclosed by an interval Rayleigh quotient and an interval
  Cholesky factorization, wideminima.symbolic.certificates); singular vectors are
  float64 witnesses, used only in forms that hold for every unit pair (u, v) with
  t = u^T T v > 0. Empirical claims say what they measure and how a refutation
  is (or is not) certified.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .arithmetic import FLOAT64, Arithmetic
from .claims import Claim
from .instances import Minimum
from .quantities import bilinear_terms, flattest_bound, flattest_exponent, layers, sharpness, target
from .strategies import global_minima, scalar_networks, trained_resnets

__all__ = ["BUILTIN_CLAIMS", "gram_budget", "representation_tolerance"]

EPS = float(np.finfo(np.float64).eps)
INTERVAL_CERTIFICATE = ("interval evaluation of the margin at the saved instance: lambda_max enclosed by an interval "
                        "Rayleigh quotient (below) and interval Cholesky (above), s by the same on T^T T")


# ----------------------------------------------------------------------------- budgets
def _scale(m: Minimum) -> float:
    """S = sum_k ||A_k||_2^2 ||B_k F||_2^2 (float64), the size of the gram's terms."""
    from wideminima.numeric.network import products_after, products_before

    f = np.eye(m.widths[0]) if m.sigma_x_factor is None else m.sigma_x_factor
    return float(sum(np.linalg.norm(a, 2) ** 2 * np.linalg.norm(b @ f, 2) ** 2
                     for a, b in zip(products_after(m.weights), products_before(m.weights))))


def gram_budget(m: Minimum) -> float:
    """64 (n + N d_max) eps S / lambda_max: float64 error bound of a lambda_max-relative margin."""
    lam = float(sharpness(m, FLOAT64))
    size = m.widths[0] * m.widths[-1] + m.depth * max(m.widths)
    return 64 * size * EPS * _scale(m) / max(lam, np.finfo(np.float64).tiny)


def representation_tolerance(m: Minimum) -> float:
    """64 N^2 d_max eps: how far rounding the layers of a balanced/flattest minimum moves lambda_max / bound.

    Each layer is off by ~d eps relative; lambda_max sums N terms of N layers each
    and N s^(2-2/N) involves N layers, so the ratio moves by ~2 N^2 d eps at most.
    """
    return 64 * m.depth**2 * max(m.widths) * EPS


def _minimum_of(instance: Any) -> Minimum:
    return instance["minimum"] if isinstance(instance, dict) else instance


def _budget(instance: Any) -> float:
    return gram_budget(_minimum_of(instance))


def _numeric_moments(m: Minimum) -> Any:
    return m.moments()


# ----------------------------------------------------------------------------- hessian-gauss-newton
def _directions(draw: Any, m: Minimum) -> list[np.ndarray]:
    entries = st.floats(-1, 1, allow_nan=False, allow_subnormal=False)
    return [np.array(draw(st.lists(entries, min_size=w.size, max_size=w.size))).reshape(w.shape) for w in m.weights]


@st.composite
def _minimum_and_direction(draw: Any) -> dict[str, Any]:
    m = draw(global_minima(whitened=False, max_depth=4, max_width=3))
    return {"minimum": m, "direction": _directions(draw, m)}


def _gn_scale(m: Minimum, d: list[np.ndarray]) -> float:
    from wideminima.numeric.network import products_after, products_before

    f = np.eye(m.widths[0]) if m.sigma_x_factor is None else m.sigma_x_factor
    return m.depth * float(sum((np.linalg.norm(a, 2) * np.linalg.norm(dk) * np.linalg.norm(b @ f, 2)) ** 2
                               for a, dk, b in zip(products_after(m.weights), d, products_before(m.weights))))


def _gauss_newton_margin(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """tol - |H[D,D] (numeric engine, float64) - ||(sum_k A_k D_k B_k) F||_F^2 (ctx)| / scale."""
    from wideminima.numeric.hessian import hessian_vector_product
    from wideminima.numeric.network import products_after, products_before

    m, d = x["minimum"], x["direction"]
    hd = hessian_vector_product(m.weights, _numeric_moments(m), d)
    q_numeric = float(sum(np.sum(a * b) for a, b in zip(d, hd)))
    ws, ds = layers(m, ctx), ctx.matrices(d)
    jd = sum(a @ dk @ b for a, dk, b in zip(products_after(ws), ds, products_before(ws)))
    if m.sigma_x_factor is not None:
        jd = jd @ ctx.array(m.sigma_x_factor)
    scale = _gn_scale(m, d)
    if scale == 0:
        return ctx.scalar(1.0)
    params = sum(w.size for w in m.weights)
    # numeric's H[D,D] errs by ~P eps scale (forming products) plus its residual term,
    # which at the float64-rounded target T is ~N eps scale: 64 P eps covers both.
    tolerance = 64 * params * EPS
    return ctx.scalar(tolerance) - ctx.absolute(ctx.scalar(q_numeric) - np.sum(jd * jd)) / ctx.scalar(scale)


hessian_gauss_newton = Claim(
    id="hessian-gauss-newton",
    kind="theorem",
    statement="at a global minimum H[D, D] = ||(sum_k A_k D_k B_k) Sigma_x^{1/2}||_F^2: the numeric engine's full "
              "Hessian-vector product (residual term included) matches the Gauss-Newton form along random D, "
              "any Sigma_x; margin 64 P eps - |difference| / (N sum_k ||A_k||^2 ||D_k||^2 ||B_k F||^2)",
    strategy=_minimum_and_direction,
    margin=_gauss_newton_margin,
    budget=lambda x: 8 * x["minimum"].depth * max(x["minimum"].widths) * EPS,
    certified_by="interval evaluation of the Gauss-Newton form at the saved instance against the numeric engine's "
                 "float64 value (a refutation exposes the numeric Hessian)",
)


# ----------------------------------------------------------------------------- output-gram-spectrum
def _gram_spectrum_margin(m: Minimum, ctx: Arithmetic) -> Any:
    """tol - relative gaps between lambda_max and trace of the dense Hessian, the numeric gram, and ctx's gram."""
    from wideminima.numeric.gram import hessian_trace, output_gram
    from wideminima.numeric.hessian import dense_hessian
    from wideminima.numeric.network import products_after, products_before

    h = np.asarray(dense_hessian(m.weights, _numeric_moments(m)))
    eig = np.linalg.eigvalsh((h + h.T) / 2)
    g_numeric = np.asarray(output_gram(m.weights, None if m.is_whitened else m.sigma_x))
    lam_gram = float(np.linalg.eigvalsh((g_numeric + g_numeric.T) / 2)[-1])
    lam = sharpness(m, ctx)
    ws = layers(m, ctx)
    f = None if m.sigma_x_factor is None else ctx.array(m.sigma_x_factor)
    trace = sum(np.sum(a * a) * np.sum((b if f is None else b @ f) ** 2)
                for a, b in zip(products_after(ws), products_before(ws)))
    params = h.shape[0]
    # Weyl: each float64 eigenvalue of the P x P Hessian is within ~P eps ||H|| of exact;
    # ||H|| <= scale; the residual term at the rounded target adds ~N eps scale.
    tolerance = ctx.scalar(64 * (params + m.depth) * EPS * _scale(m)) / lam
    gaps = [ctx.absolute(ctx.scalar(float(eig[-1])) - lam) / lam,
            ctx.absolute(ctx.scalar(lam_gram) - lam) / lam,
            ctx.absolute(ctx.scalar(float(np.trace(h))) - trace) / trace,
            ctx.absolute(ctx.scalar(float(hessian_trace(m.weights, None if m.is_whitened else m.sigma_x))) - trace)
            / trace]
    return tolerance - ctx.maximum(gaps)


output_gram_spectrum = Claim(
    id="output-gram-spectrum",
    kind="theorem",
    statement="lambda_max and trace of the Hessian at a global minimum equal those of the (d_N d_0)-square output gram "
              "G = sum_k (F^T B_k^T B_k F) kron (A_k A_k^T), trace = sum_k ||A_k||_F^2 ||B_k F||_F^2; checked for the "
              "numeric engine's dense Hessian, output_gram and hessian_trace against G evaluated exactly; margin "
              "Weyl tolerance 64 (P + N) eps S / lambda_max minus the largest relative gap",
    strategy=lambda: global_minima(whitened=False, max_depth=4, max_width=3),
    margin=_gram_spectrum_margin,
    budget=gram_budget,
    certified_by="interval enclosure of lambda_max and the trace of G at the saved instance against the numeric "
                 "engine's float64 values",
)


# ----------------------------------------------------------------------------- bilinear-lower-bound
@st.composite
def _minimum_and_pair(draw: Any) -> dict[str, Any]:
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


def _bilinear_margin(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """(lambda_max - sum_k ||A_k^T u||^2 ||B_k F v||^2) / lambda_max for the unit vectors u, v."""
    m = x["minimum"]
    u, v = ctx.array(x["u"]), ctx.array(x["v"])
    u, v = u / ctx.norm(u), v / ctx.norm(v)
    lam = sharpness(m, ctx)
    return (lam - sum(bilinear_terms(m, ctx, u, v))) / lam


bilinear_lower_bound = Claim(
    id="bilinear-lower-bound",
    kind="theorem",
    statement="for unit u, v at any global minimum and any Sigma_x: lambda_max >= sum_k ||A_k^T u||^2 "
              "||B_k Sigma_x^{1/2} v||^2 (u, v random or the top singular pair of T Sigma_x^{1/2}); "
              "margin (lambda_max - bound) / lambda_max",
    strategy=_minimum_and_pair,
    margin=_bilinear_margin,
    budget=_budget,
    certified_by=INTERVAL_CERTIFICATE,
)


# ----------------------------------------------------------------------------- sharpness-lower-bound
def _sharpness_ratio(m: Minimum, ctx: Arithmetic) -> Any:
    return sharpness(m, ctx) / flattest_bound(m, ctx)


sharpness_lower_bound = Claim(
    id="sharpness-lower-bound",
    kind="theorem",
    statement="whitened: every global minimum has lambda_max >= N s^(2-2/N); margin lambda_max / (N s^(2-2/N)) - 1 "
              "(0 at balanced minima, settled at 50 digits there)",
    strategy=lambda: global_minima(max_depth=5, max_width=3),
    margin=lambda m, ctx: _sharpness_ratio(m, ctx) - 1,
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)


# ----------------------------------------------------------------------------- balanced-attains-bound
def _balanced_margin(m: Minimum, ctx: Arithmetic) -> Any:
    """tol_rep - |lambda_max / (N s^(2-2/N)) - 1| at a balanced minimum."""
    return ctx.scalar(representation_tolerance(m)) - ctx.absolute(_sharpness_ratio(m, ctx) - 1)


balanced_attains_bound = Claim(
    id="balanced-attains-bound",
    kind="theorem",
    statement="whitened: every balanced global minimum has lambda_max = N s^(2-2/N); margin 64 N^2 d eps (the "
              "rounding of the balanced layers) - |lambda_max / (N s^(2-2/N)) - 1|",
    strategy=lambda: global_minima(kind="balanced", max_depth=5, max_width=3),
    margin=_balanced_margin,
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)


# ----------------------------------------------------------------------------- scalar-closed-form
def _scalar_margin(m: Minimum, ctx: Arithmetic) -> Any:
    """min of: Hessian = closed form (numeric dense Hessian vs sigma^2 sum_k prod_{j!=k} w_j^2, rank one),
    closed form >= N sigma^2 |T|^(2-2/N) (AM-GM), with equality when all |w_k| are equal."""
    from wideminima.numeric.hessian import dense_hessian

    n = m.depth
    w = [ctx.array(wk)[0, 0] for wk in m.weights]
    sigma2 = ctx.array(m.sigma_x_factor)[0, 0] ** 2
    closed = sigma2 * sum(np.prod([w[j] ** 2 for j in range(n) if j != k]) if n > 1 else ctx.scalar(1.0)
                          for k in range(n))
    t = ctx.absolute(np.prod(w))
    bound = n * sigma2 * ctx.power(t, flattest_exponent(n))
    eig = np.linalg.eigvalsh(np.asarray(dense_hessian(m.weights, _numeric_moments(m))))
    # dense Hessian eigenvalues: Weyl, ~N eps ||H|| each; the residual term at the rounded T adds ~N eps;
    # 256 N eps stays above the float64 budget (16 N eps) of evaluating this margin
    tolerance = ctx.scalar(256 * n * EPS)
    terms = [tolerance - ctx.absolute(ctx.scalar(float(eig[-1])) - closed) / closed,
             closed / bound - 1]
    if n > 1:
        terms.append(tolerance - ctx.scalar(float(np.max(np.abs(eig[:-1])))) / closed)
    if len({abs(float(wk[0, 0])) for wk in m.weights}) == 1:  # the flattest point: equality
        # exact, no tolerance: the |w_k| are equal floats and T is their exact product, so closed = bound
        # exactly; the float64 value of this term (~N eps) is inside the budget and settled at 50 digits
        terms.append(-ctx.absolute(closed / bound - 1))
    return ctx.minimum(terms)


scalar_closed_form = Claim(
    id="scalar-closed-form",
    kind="theorem",
    statement="d_k = 1, Sigma_x = sigma^2: the Hessian at prod w_k = T is sigma^2 g g^T (g_k = prod_{j!=k} w_j; the "
              "numeric dense Hessian has that one nonzero eigenvalue), which is >= N sigma^2 |T|^(2-2/N) with "
              "equality when every |w_k| = |T|^(1/N); N = 1..12",
    strategy=lambda: scalar_networks(max_depth=12),
    margin=_scalar_margin,
    budget=lambda m: 16 * m.depth * EPS,  # the closed form's N - 1 products and one power
    certified_by="interval evaluation of the closed form and of the AM-GM ratio at the saved weights",
)


# ----------------------------------------------------------------------------- resnet-zero-init-flattest
def _resnet_margin(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """Converged to W_{N:1} = T; for SPD T also: equal, symmetric, positive definite layers (= T^(1/N)) and
    lambda_max = N s^(2-2/N)."""
    ws = ctx.matrices(x["weights"])
    t = ctx.array(x["target"])
    product = ws[0]
    for w in ws[1:]:
        product = w @ product
    # GD stops at a relative gradient 1e-10 (numeric.training.DEFAULT_TOL); with singular values of T in
    # [0.5, 2] the distance to the minimum is then below ~1e-9 relative: 1e-7 leaves a factor 100.
    terms = [ctx.scalar(1e-7) - ctx.norm(product - t) / ctx.norm(t)]
    if np.allclose(x["target"], x["target"].T, rtol=0, atol=0):
        first = ws[0]
        scale = ctx.norm(first)
        # layers stay equal, symmetric, and commuting with T along GD in exact arithmetic; float64 rounding
        # random-walks them apart by ~sqrt(steps) eps ~ 1e-14 along flat directions: 1e-9 is generous.
        terms += [ctx.scalar(1e-9) - ctx.norm(w - first) / scale for w in ws[1:]]
        terms.append(ctx.scalar(1e-9) - ctx.norm(first - first.T) / scale)
        terms.append(-ctx.lambda_max(-(first + first.T) / 2) / scale)  # lambda_min(W) > 0: the principal root
        m = Minimum(list(x["weights"]))
        terms.append(ctx.scalar(1e-9) - ctx.absolute(_sharpness_ratio(m, ctx) - 1))
    return ctx.minimum(terms)


resnet_zero_init_flattest = Claim(
    id="resnet-zero-init-flattest",
    kind="theorem",
    statement="GD from the zero-init linear ResNet on whitened y = T x with T SPD or ||T - I||_F < sigma_min(T) "
              "converges to W_{N:1} = T (relative residual <= 1e-7); for SPD T the layers stay equal and end at the "
              "principal root T^(1/N) (equal, symmetric, positive definite, to 1e-9), a flattest minimum "
              "(|lambda_max / (N s^(2-2/N)) - 1| <= 1e-9). Gradient flow is the theorem; GD with the steps used "
              "here keeps these exactly for SPD T, and the O(eta^2) effect for other T is gd-excess-sharpness",
    strategy=lambda: trained_resnets(min_depth=2, max_depth=3, max_width=3),
    margin=_resnet_margin,
    budget=lambda x: 1e-12,
    examples_scale=0.2,
    certified_by=INTERVAL_CERTIFICATE + "; the claim is about the saved trained weights",
)


# ----------------------------------------------------------------------------- gd-excess-sharpness
# theory.md saw ratio - 1 ~ 1.2e-4 at eta = 0.1 and 3.6e-6 at eta = 0.02 (d = N = 3), i.e. <= 0.012 eta^2;
# on this claim's instances (targets near I) the largest (ratio - 1) / eta^2 seen was 5e-4. C = 0.05
# leaves 4x over theory.md's constant. Halving eta must cut the excess by > 8/3 (O(eta^2) gives 4,
# O(eta) 2; seen 4.0-4.8) whenever the excess is above 1e-7: the ratios carry ~1e-13 absolute rounding,
# so this quotient is then accurate to ~4e-6 relative (the budget 1e-5).
GD_EXCESS_CONSTANT = 0.05
GD_HALVING_FACTOR = Fraction(8, 3)
GD_EXCESS_FLOOR = 1e-7


def _gd_excess_margin(x: dict[str, Any], ctx: Arithmetic) -> Any:
    """min of (C eta^2 - excess(eta)) / (C eta^2) and, if excess(eta) > 1e-7, excess(eta) / excess(eta/2) / (8/3) - 1."""
    excess = _sharpness_ratio(Minimum(list(x["weights"])), ctx) - 1
    allowed = ctx.scalar(GD_EXCESS_CONSTANT) * ctx.scalar(x["lr"]) ** 2
    terms = [(allowed - excess) / allowed]
    if ctx.value(excess) > GD_EXCESS_FLOOR:
        excess_half = _sharpness_ratio(Minimum(list(x["weights_half_step"])), ctx) - 1
        terms.append(excess / (excess_half * ctx.scalar(GD_HALVING_FACTOR)) - 1)
    return ctx.minimum(terms)


gd_excess_sharpness = Claim(
    id="gd-excess-sharpness",
    kind="empirical",
    statement=f"empirical law: GD with step eta from the zero-init ResNet (N = 2..3, d = 1..3, whitened, ||T - I||_F < "
              f"sigma_min(T), eta in [0.02, 0.1]) ends at excess = lambda_max / (N s^(2-2/N)) - 1 <= C eta^2 with "
              f"C = {GD_EXCESS_CONSTANT}, and halving eta divides the excess by more than 8/3 (quadratic, not "
              f"linear, in eta) when it is above 1e-7; margin the smaller relative slack",
    strategy=lambda: trained_resnets(min_depth=2, max_depth=3, max_width=3, target_kinds="near_identity",
                                     half_step=True),
    margin=_gd_excess_margin,
    budget=lambda x: 1e-5,
    examples_scale=0.2,
    certified_by=INTERVAL_CERTIFICATE + " of the saved GD outputs (the law itself is empirical)",
)


# ----------------------------------------------------------------------------- near-balance
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


near_balance = Claim(
    id="near-balance",
    kind="theorem",
    statement="whitened, any global minimum, (u, v) a top pair of T, t = u^T T v, g_k = ||W_{k:1} v||, r_k = g_k / "
              "g_{k-1}: t^2 sum_k r_k^-2 <= lambda_max, and rho_k = s^(2/N) / r_k^2 obeys rho_k + (N-1) rho_k^(-1/(N-1)) "
              "<= lambda_max / s^(2-2/N) = (1 + delta) N; also backwards with u and W^T. Checked in the form that "
              "holds for every unit pair (s -> ||T v|| and the factor s^2/t^2), so float64 witnesses certify",
    strategy=lambda: global_minima(max_depth=5, max_width=3),
    margin=near_balance_margin,
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)


# ----------------------------------------------------------------------------- coupling-at-flattest
# Instances the strategies build as flattest minima (exactly, before rounding the layers to float64).
FLATTEST_LABELS = ("balanced", "flattest_unbalanced")


def coupling_relations(m: Minimum, ctx: Arithmetic, gain_factor: float = 1.0) -> list[Any]:
    """tol - relative residuals of the coupling relations at a flattest minimum, k = 1..N.

    With a top pair (u, v) of T, t = u^T T v (= s for an exact pair) and
    f_k = W_{k:1} v / t^(k/N): | ||f_k|| - 1 | and ||W_k^T f_k - t^(1/N) f_{k-1}|| / t^(1/N)
    (W_k f_{k-1} = t^(1/N) f_k holds by the definition of f_k). tol is
    :func:`representation_tolerance`: the flattest layers are rounded to float64
    (seen: residuals below 1% of tol on 1500 ci-sized balanced and flattest-unbalanced
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
    from wideminima.numeric.network import products_after

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


coupling_at_flattest = Claim(
    id="coupling-at-flattest",
    kind="theorem",
    statement="whitened: for unit u, v with t = u^T T v > 0 and k = 1..N-1, cos(A_k^T u, W_{k:1} v) >= "
              "(N t^(2-2/N) / lambda_max)^(N/2) (bilinear bound + AM-GM + Cauchy-Schwarz); at a flattest minimum "
              "with a top pair this is 1, i.e. f_k = W_{k:1} v / s^(k/N) is shared by W_k (left) and W_{k+1} (right): "
              "the coupling relations, which are also checked directly (||W_{k:1} v|| = s^(k/N), W_k^T f_k = s^(1/N) "
              "f_{k-1}, to 64 N^2 d eps) at the instances built as flattest (balanced, flattest unbalanced). Margin "
              "the smallest of cosine - floor and those relation margins",
    strategy=lambda: global_minima(min_depth=2, max_depth=5, max_width=3),
    margin=coupling_margin,
    budget=gram_budget,
    certified_by=INTERVAL_CERTIFICATE,
)


# ----------------------------------------------------------------------------- nonlinear-evidence
NONLINEAR_EFFECT = 1.5  # null standard deviations, mean over a batch of networks
NONLINEAR_BATCH = 4
# Seen on 60 networks per activation (seeds 100-159): per-network effects tanh 2.9-8 (median 6.1),
# ReLU 1.2-5 (median 3.3, 5% quantile 2.0); batch-of-4 means >= 5.3 (tanh) and >= 2.6 (ReLU).
# Single ReLU networks do fall below 2 (thorough profile, seed 7, found one at 1.68): the claim is
# about trained networks as a population, hence the batch mean.


def _trained_mlp(seed: int, activation: str) -> list[np.ndarray]:
    """A 6-8-8-4 MLP (no bias) trained by GD (1500 steps, eta 0.05, init scale 0.1) on a rank-2 linear teacher."""
    from wideminima.numeric import MLP, train

    rng = np.random.default_rng(seed)
    d_in, hidden, d_out, n = 6, 8, 4, 128
    x = rng.standard_normal((n, d_in))
    u, _ = np.linalg.qr(rng.standard_normal((d_out, d_out)))
    v, _ = np.linalg.qr(rng.standard_normal((d_in, d_in)))
    teacher = (u[:, :2] * np.array([3.0, 1.0])) @ v[:, :2].T
    net = MLP((d_in, hidden, hidden, d_out), activation=activation, bias=False)
    result = train(net, (x, x @ teacher.T), lr=0.05, steps=1500, init="gaussian", init_scale=0.1, seed=seed)
    return [np.asarray(w) for w in result.weights]


@st.composite
def _trained_mlp_batches(draw: Any) -> dict[str, Any]:
    seed = draw(st.integers(0, 2**31 - NONLINEAR_BATCH))
    activation = draw(st.sampled_from(["tanh", "relu"]))
    seeds = list(range(seed, seed + NONLINEAR_BATCH))
    return {"networks": [_trained_mlp(s, activation) for s in seeds], "seeds": seeds, "activation": activation}


def _nonlinear_margin(x: dict[str, Any], ctx: Arithmetic) -> float:
    effects = [coupling_effect(ws, s) for ws, s in zip(x["networks"], x["seeds"])]
    return (float(np.mean(effects)) - NONLINEAR_EFFECT) / NONLINEAR_EFFECT


def alignment_score(weights: list[np.ndarray]) -> float:
    """mean_k cos_F(W_k W_k^T, W_{k+1}^T W_{k+1}): 1 when consecutive layers share singular vectors and values."""
    values = []
    for w, nxt in zip(weights[:-1], weights[1:]):
        a, b = w @ w.T, nxt.T @ nxt
        values.append(float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b))))
    return float(np.mean(values))


def coupling_effect(weights: list[np.ndarray], seed: int, rotations: int = 200) -> float:
    """(alignment score - null mean) / null sd.

    The null replaces every W_k by U_k' S_k V_k'^T with random orthogonal U_k', V_k'
    (same shapes and spectra, singular vectors randomly rotated), ``rotations`` draws.
    """
    rng = np.random.default_rng(seed)

    def rotated(w: np.ndarray) -> np.ndarray:
        s = np.linalg.svd(w, compute_uv=False)
        q1, _ = np.linalg.qr(rng.standard_normal((w.shape[0], w.shape[0])))
        q2, _ = np.linalg.qr(rng.standard_normal((w.shape[1], w.shape[1])))
        return (q1[:, : s.size] * s) @ q2[:, : s.size].T

    null = np.array([alignment_score([rotated(w) for w in weights]) for _ in range(rotations)])
    return (alignment_score(weights) - float(null.mean())) / max(float(null.std()), 1e-12)


nonlinear_evidence = Claim(
    id="nonlinear-evidence",
    kind="empirical",
    statement=f"empirical: 3-layer tanh/ReLU MLPs (6-8-8-4, no bias) trained by GD (1500 steps, eta 0.05) from a "
              f"Gaussian init of scale 0.1 on a rank-2 linear teacher have consecutive layers sharing singular "
              f"directions: cos_F(W_k W_k^T, W_k+1^T W_k+1), averaged over k, exceeds its null (the same layers with "
              f"randomly rotated singular vectors, same spectra, 200 draws) by an effect size (null SDs) whose mean "
              f"over a batch of {NONLINEAR_BATCH} networks is >= {NONLINEAR_EFFECT}; margin (mean effect - "
              f"{NONLINEAR_EFFECT}) / {NONLINEAR_EFFECT}",
    strategy=_trained_mlp_batches,
    margin=_nonlinear_margin,
    budget=0.0,
    exact=False,
    examples_scale=0.1,
    certified_by="none: an effect size of trained networks, computed in float64 (reported as float64 evidence)",
)

BUILTIN_CLAIMS: list[Claim] = [
    hessian_gauss_newton,
    output_gram_spectrum,
    bilinear_lower_bound,
    sharpness_lower_bound,
    balanced_attains_bound,
    scalar_closed_form,
    resnet_zero_init_flattest,
    gd_excess_sharpness,
    near_balance,
    coupling_at_flattest,
    nonlinear_evidence,
]
