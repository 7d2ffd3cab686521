"""The scalar derivation at a given depth N <= 64, every step checked in seconds (theory id scalar-closed-form).

The depth-N claims are checked exactly in the sparse polynomial ring
QQ[w_1..w_N, sigma, T] (and QQ[a_1..a_N] for the AM-GM part, a_k = |w_k|): the ring
differentiates the loss and multiplies monomials far faster than expression trees, so
all N^2 second derivatives at N = 64 take about a second. The products over k != i
are built from their exponent vectors (the definition of prod_{k != i} w_k).

Independent cross-check: for N <= :data:`BRUTE_FORCE_MAX_DEPTH` one more step compares
the library's closed form (:meth:`~.scalar.ScalarNetwork.hessian`) with
``sympy.hessian`` of the loss. Above that depth the step is dropped, and the derivation
says so in its assumptions: sympy.hessian's cost grows like N^3 expression operations
(about 2 s at N = 16, 10 s at N = 20), while the ring check of the same formula covers
every N.

The spectral step uses Cauchy-Schwarz and Courant-Fischer, the flattest value AM-GM
(named lemmas, side conditions checked; :mod:`.lemmas`).

>>> d = scalar_derivation(3)
>>> d.all_checked
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import sympy as sp

from ._checks import check_depth
from .steps import Derivation, Step, fact_step, identity_step, is_zero
from .lemmas import AM_GM, CAUCHY_SCHWARZ, COURANT_FISCHER, lemma_step
from .matrix_words import MatrixAlgebra, trace_is_zero
from .scalar import ScalarNetwork, scalar_network

__all__ = ["BRUTE_FORCE_MAX_DEPTH", "MAX_SCALAR_DERIVATION_DEPTH", "rank_one_steps", "scalar_derivation", "scalar_pattern_steps"]

MAX_SCALAR_DERIVATION_DEPTH = 64
# sympy.hessian cross-check up to here (about 0.9 s at N = 12 on one core; N^3 growth beyond).
BRUTE_FORCE_MAX_DEPTH = 12
# Matrices are printed in full (text and LaTeX) up to this depth; beyond it, the formula.
_SHOW_MAX_DEPTH = 4


def scalar_pattern_steps() -> list[Step]:
    """The closed forms for every depth at once: the other factors of P enter as one symbol."""
    a, b, q, r, tee = sp.symbols("w_i w_j Q R T", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    loss_ij = sigma**2 * (a * b * q - tee) ** 2 / 2
    loss_i = sigma**2 * (a * r - tee) ** 2 / 2
    off, diag, grad = sp.diff(loss_ij, a, b), sp.diff(loss_i, a, 2), sp.diff(loss_i, a)
    return [
        identity_step(
            "gradient, any depth",
            "P = w_i R with R = prod_{k != i} w_k free of w_i; chain rule",
            grad,
            sigma**2 * (a * r - tee) * r,
            formula="dL/dw_i = sigma^2 (P - T) prod_{k != i} w_k",
            shown=(sp.Derivative(loss_i, a), sigma**2 * (a * r - tee) * r),
        ),
        identity_step(
            "Hessian diagonal, any depth",
            "differentiate the gradient pattern once more in w_i",
            diag,
            sigma**2 * r**2,
            formula="d2L/dw_i^2 = sigma^2 prod_{k != i} w_k^2",
            shown=(sp.Derivative(loss_i, a, 2), sigma**2 * r**2),
        ),
        identity_step(
            "mixed partials, any depth",
            "P = w_i w_j Q with Q = prod_{k != i,j} w_k free of w_i, w_j (i != j)",
            off,
            sigma**2 * ((b * q) * (a * q) + (a * b * q - tee) * q),
            formula="d2L/dw_i dw_j = sigma^2 (g_i g_j + (P - T) prod_{k != i,j} w_k), g_i = prod_{k != i} w_k",
            shown=(sp.Derivative(loss_ij, a, b), sigma**2 * ((b * q) * (a * q) + (a * b * q - tee) * q)),
        ),
    ]


class _Ring:
    """QQ[w_1..w_N, sigma, T] with the depth-N products built from exponent vectors."""

    def __init__(self, net: ScalarNetwork) -> None:
        from sympy.polys.rings import ring

        self.n = n = net.depth
        self.ring, *gens = ring([*net.weights, net.sigma, net.target], sp.QQ)
        self.w, self.s2, self.target = gens[:n], gens[n] ** 2, gens[n + 1]
        self.p = self.monomial(())

    def monomial(self, skip: tuple[int, ...], power: int = 1) -> object:
        """prod_{k not in skip} w_k^power (0-based skip)."""
        exps = tuple(0 if k in skip else power for k in range(self.n)) + (0, 0)
        return self.ring.term_new(exps, self.ring.domain.one)


def _latex_if_small(n: int, name: str, value: Callable[[], sp.MatrixBase]) -> str:
    return f"{name} = {sp.latex(value())}" if n <= _SHOW_MAX_DEPTH else ""


def _derivative_steps(net: ScalarNetwork, rg: _Ring) -> list[Step]:
    n, s2, p, tee = rg.n, rg.s2, rg.p, rg.target
    loss = s2 * (p - tee) ** 2 / 2
    g = [rg.monomial((i,)) for i in range(n)]
    grad = [loss.diff(i) for i in range(n)]  # ring generators by index: w_1..w_N are 0..N-1
    s2g, s2e = [s2 * gi for gi in g], s2 * (p - tee)  # sigma^2 g_i and sigma^2 (P - T), built once

    def closed(i: int, j: int) -> object:
        return s2g[i] * g[j] if i == j else s2g[i] * g[j] + s2e * rg.monomial((i, j))

    ring_text = f"exact in the polynomial ring QQ[w_1..w_{n}, sigma, T]"
    steps = [
        fact_step(
            f"gradient for N = {n}",
            "the any-depth pattern, against the ring derivative of L = sigma^2/2 (P - T)^2",
            all(gi == s2e * g_i for gi, g_i in zip(grad, g)),
            f"{ring_text}: dL/dw_i = sigma^2 (P - T) g_i for all {n} i",
            formula="dL/dw_i = sigma^2 (P - T) g_i for every i, g_i = prod_{k != i} w_k",
            latex=_latex_if_small(n, r"\nabla L", net.gradient),
        ),
        fact_step(
            f"Hessian anywhere for N = {n}",
            "the any-depth patterns, against the ring's second derivatives of L",
            all(grad[i].diff(j) == h_ij and grad[j].diff(i) == h_ij for i in range(n) for j in range(i, n) for h_ij in [closed(i, j)]),
            f"{ring_text}: all {n * n} second derivatives equal the closed form",
            formula="H_ij = sigma^2 (g_i g_j + (P - T) R_ij), H_ii = sigma^2 g_i^2, R_ij = prod_{k != i,j} w_k",
            latex=_latex_if_small(n, r"\nabla^2 L", net.hessian),
        ),
    ]
    if n <= BRUTE_FORCE_MAX_DEPTH:
        steps.append(
            identity_step(
                f"cross-check: the library's closed form for N = {n}",
                "ScalarNetwork.hessian (structured closed form) against sympy.hessian of the loss",
                net.hessian(),
                net.hessian_bruteforce(),
                formula="ScalarNetwork.hessian() = sympy.hessian(L)",
                shown=(r"\nabla^2 L", net.hessian()) if n <= _SHOW_MAX_DEPTH else None,
            )
        )
    return steps


def rank_one_steps(length: Any, trace_condition: tuple[str, Any]) -> list[Step]:
    """At P = T: H = sigma^2 g g^T and lambda_max = trace = sigma^2 |g|^2 (Cauchy-Schwarz, Courant-Fischer).

    ``length`` is N (an int, or a Symbol for the general derivation): g and v are
    N x 1 non-commuting symbols, so the vector identities hold for that N whatever its
    value. ``trace_condition`` is the caller's check that tr H = sigma^2 sum_k g_k^2.
    """
    gi, gj, rij, p, tee = sp.symbols("g_i g_j R_ij P T", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    alg = MatrixAlgebra()
    gv, vv = alg.matrix("g", length, 1), alg.matrix("v", length, 1)
    gt, vt = alg.T(gv), alg.T(vv)
    return [
        identity_step(
            "Hessian at global minima",
            "at a global minimum P = T, so every residual term (P - T) R_ij vanishes",
            (sigma**2 * (gi * gj + (p - tee) * rij)).xreplace({tee: p}),
            sigma**2 * gi * gj,
            formula="H = sigma^2 g g^T, g_k = prod_{j != k} w_j",
        ),
        lemma_step(
            CAUCHY_SCHWARZ,
            "Rayleigh quotient at most sigma^2 |g|^2",
            [
                ("g and v real N-vectors (the weights are declared real)", sp.IndexedBase("w", real=True)[sp.Symbol("k")].is_real),
                (
                    "v^T (g g^T) v = (v^T g)(g^T v) and v^T g = g^T v (non-commuting N x 1 symbols)",
                    sp.expand(vt * gv * gt * vv - (vt * gv) * (gt * vv)) == 0 and trace_is_zero(alg, vt * gv - gt * vv),
                ),
            ],
            justification="with x = g, y = v",
            formula="v^T H v = sigma^2 (g . v)^2 <= sigma^2 |g|^2 |v|^2 for every v",
        ),
        lemma_step(
            COURANT_FISCHER,
            "lambda_max = trace = sigma^2 |g|^2",
            [
                ("H symmetric: sigma^2 g_i g_j = sigma^2 g_j g_i", is_zero(sigma**2 * gi * gj - sigma**2 * gj * gi)),
                ("attained at v = g: g^T (g g^T) g = (g^T g)^2 (non-commuting symbols)", sp.expand(gt * gv * gt * gv - (gt * gv) ** 2) == 0),
                trace_condition,
                ("g != 0: w_k g_k = P = T != 0", sp.Symbol("T", real=True, nonzero=True).is_nonzero),
            ],
            justification="the Rayleigh quotient is at most sigma^2 |g|^2 (step above) and reaches it at v = g",
            formula="lambda_max = trace(H) = sigma^2 sum_k prod_{j != k} w_j^2",
        ),
    ]


def _rank_one_steps(rg: _Ring) -> list[Step]:
    g = [rg.monomial((i,)) for i in range(rg.n)]
    trace, norm2 = sum((rg.s2 * gk * gk for gk in g), rg.ring.zero), sum((gk**2 for gk in g), rg.ring.zero)
    return rank_one_steps(rg.n, ("tr H = sum_k sigma^2 g_k^2 = sigma^2 |g|^2 (ring)", trace == rg.s2 * norm2))


def _amgm_steps(n: int, sigma: sp.Symbol) -> list[Step]:
    """lambda_max >= N sigma^2 |T|^(2-2/N) over the minima (AM-GM), with the equality case."""
    from sympy.polys.rings import ring

    a_syms = sp.symbols(f"a1:{n + 1}", positive=True)  # a_k = |w_k| > 0 (T != 0 forces w_k != 0)
    qq, *a = ring(a_syms, sp.QQ)
    prod_a = qq.term_new((1,) * n, qq.domain.one)
    c = [qq.term_new(tuple(0 if j == k else 2 for j in range(n)), qq.domain.one) for k in range(n)]
    tau = sp.Symbol("tau", positive=True)  # tau = |T| = prod_k a_k
    c_prod = qq.one
    for ck in c:
        c_prod *= ck
    flat_term = (tau ** sp.Rational(2, n)) ** (n - 1)  # c_k at a_j = tau^(1/N) for all j
    return [
        fact_step(
            "geometric mean of the terms",
            "c_k = prod_{j != k} a_j^2 with a_k = |w_k| > 0 (T != 0), and prod_k a_k = |T|",
            c_prod == prod_a ** (2 * n - 2),
            f"exact in QQ[a_1..a_{n}]: prod_k c_k = (prod_k a_k)^(2N - 2)",
            formula="prod_k c_k = |T|^(2N - 2), so (prod_k c_k)^(1/N) = |T|^(2 - 2/N)",
        ),
        lemma_step(
            AM_GM,
            "the flattest bound",
            [
                (f"N = {n} >= 1 terms", n >= 1),
                ("every a_j > 0, so every c_k (a product of their squares) > 0", all(ak.is_positive for ak in a_syms)),
                ("(|T|^(2N - 2))^(1/N) = |T|^(2 - 2/N)", sp.simplify((tau ** (2 * n - 2)) ** sp.Rational(1, n) - tau ** (2 - sp.Rational(2, n))) == 0),
            ],
            justification="on the N numbers c_k, with lambda_max = sigma^2 sum_k c_k",
            formula="lambda_max = sigma^2 sum_k c_k >= N sigma^2 |T|^(2 - 2/N)",
        ),
        fact_step(
            "equality case: equal c_k means equal |w_k|",
            "AM-GM is tight iff all c_k are equal; c_k a_k^2 = prod_j a_j^2 for every k, so that means all a_k equal",
            all(ck * ak**2 == prod_a**2 for ck, ak in zip(c, a)),
            f"exact in QQ[a_1..a_{n}]: c_k a_k^2 = prod_j a_j^2 for all {n} k",
            formula="c_k a_k^2 = prod_j a_j^2",
        ),
        identity_step(
            "equality case: |w_k| = |T|^(1/N) attains the bound",
            "substitute a_k = |T|^(1/N) (so prod_k a_k = |T|) into sigma^2 sum_k c_k",
            sigma**2 * sp.Add(*[flat_term] * n),
            n * sigma**2 * tau ** (2 - sp.Rational(2, n)),
            formula="lambda_max = N sigma^2 |T|^(2 - 2/N) exactly when |w_k| = |T|^(1/N)",
        ),
    ]


@functools.lru_cache(maxsize=16, typed=True)  # typed: True must not hit the cache entry of 1
def scalar_derivation(depth: int) -> Derivation:
    """Loss, gradient, Hessian, rank-one structure at minima and the flattest value (AM-GM) for depth N <= 64."""
    n = check_depth(depth, maximum=MAX_SCALAR_DERIVATION_DEPTH)
    net = scalar_network(n)
    sigma, tee = net.sigma, net.target
    x = sp.Symbol("x", real=True)
    p = net.product()
    rg = _Ring(net)
    loss_step = identity_step(
        "loss",
        "L = 1/2 E[(y - P x)^2] with y = T x and E[x^2] = sigma^2 (output noise only adds a constant)",
        sp.expand((tee * x - p * x) ** 2 / 2).subs(x**2, sigma**2),
        sp.expand(net.loss()),
        formula="L = sigma^2/2 (P - T)^2, P = w_1 ... w_N",
        shown=(sp.Symbol("L"), net.loss()),
    )
    steps = [loss_step, *scalar_pattern_steps(), *_derivative_steps(net, rg), *_rank_one_steps(rg), *_amgm_steps(n, sigma)]
    crosscheck = (
        f"closed form cross-checked against sympy.hessian (N <= {BRUTE_FORCE_MAX_DEPTH})"
        if n <= BRUTE_FORCE_MAX_DEPTH
        else f"sympy.hessian cross-check dropped above N = {BRUTE_FORCE_MAX_DEPTH} (its cost grows like N^3); "
        "the ring derivatives check the same closed form"
    )
    return Derivation(
        f"Scalar deep linear network, depth N = {n} (theory id scalar-closed-form)",
        ("w_k real", "sigma > 0 (input standard deviation)", "T real and nonzero (target)", "y = T x", crosscheck),
        tuple(steps),
    )
