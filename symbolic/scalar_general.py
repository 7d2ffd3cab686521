"""The scalar derivation for symbolic depth N: one proof for every N >= 1 (theory id scalar-closed-form).

``wideminima derive scalar --general``. The depth enters through products and sums
over k = 1..N with a symbolic N (SymPy ``Product``/``Sum``, whose ranges SymPy splits
and joins exactly with ``product_simplify``) and through the recurrence
P_{n+1} = w_{n+1} P_n. Each claim about all N is proved by induction on n: the base
case and the inductive step are each a checked identity, the hypothesis entering as an
undefined function (``P_n(w_i)``, whose derivatives stand for those of P_n) or as a
symbol, so the step holds whatever P_n is. What is not an identity is a named lemma
(AM-GM, Cauchy-Schwarz, Courant-Fischer) with checked side conditions (:mod:`.lemmas`).

>>> d = general_scalar_derivation()
>>> d.all_checked
True
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.simplify.simplify import product_simplify

from .steps import Derivation, Step, fact_step, identity_step, is_zero
from .lemmas import AM_GM, lemma_step
from .scalar_proof import rank_one_steps

__all__ = ["general_scalar_derivation"]

_N = sp.Symbol("N", integer=True, positive=True)
_K = sp.Symbol("k", integer=True)
_W = sp.IndexedBase("w", real=True)


def _prod(lo: sp.Expr, hi: sp.Expr) -> sp.Expr:
    """prod_{k = lo..hi} w_k (1 when hi < lo)."""
    return sp.Product(_W[_K], (_K, lo, hi))


def _product_steps() -> list[Step]:
    """The products as SymPy Products over symbolic ranges: the recurrences the induction uses."""
    i, n = sp.symbols("i n", integer=True, positive=True)
    g_n = _prod(1, i - 1) * _prod(i + 1, n)  # g_i^(n) = prod_{k <= n, k != i} w_k
    return [
        fact_step(
            "the recurrences of the products",
            "prod_(k <= n+1) splits off its last factor; so does g_i^(n) = prod_(k <= n, k != i) w_k (n >= i); "
            "and w_i g_i^(n) = P_n",
            _joins(_prod(1, n) * _prod(n + 1, n + 1), _prod(1, n + 1))
            and _joins(g_n * _prod(n + 1, n + 1), _prod(1, i - 1) * _prod(i + 1, n + 1))
            and _joins(_prod(1, i - 1) * _prod(i, i) * _prod(i + 1, n), _prod(1, n))
            and all(_prod(m, m).doit() == _W[m] for m in (i, n + 1)),
            "product_simplify joins the adjacent ranges exactly; Product(w_k, k = m..m) = w_m",
            formula="P_(n+1) = w_(n+1) P_n, g_i^(n+1) = w_(n+1) g_i^(n), w_i g_i^(n) = P_n (symbolic i <= n)",
        )
    ]


def _joins(split: sp.Expr, joined: sp.Expr) -> bool:
    return bool(product_simplify(split) == joined)


def _multilinear_steps() -> list[Step]:
    """Induction on n: dP_n/dw_i = g_i^(n) (free of w_i) and d2P_n/dw_i^2 = 0, for every n >= i."""
    wi, wm, q = sp.symbols("w_i w_(n+1) P_(i-1)", real=True)  # q: free of w_i
    pn = sp.Function("P_n")(wi)  # the hypothesis is about P_n's derivatives in w_i
    return [
        identity_step(
            "induction base (n = i): P_i = w_i P_(i-1)",
            "P_(i-1) contains only w_1..w_(i-1), so it is free of w_i; differentiate once and twice",
            sp.ImmutableMatrix([sp.diff(wi * q, wi), sp.diff(wi * q, wi, 2)]),
            sp.ImmutableMatrix([q, 0]),
            formula="dP_i/dw_i = P_(i-1) = g_i^(i), d2P_i/dw_i^2 = 0",
            shown=(sp.ImmutableMatrix([sp.Derivative(wi * q, wi), sp.Derivative(wi * q, (wi, 2))]), sp.ImmutableMatrix([q, 0])),
        ),
        identity_step(
            "induction step (n -> n + 1, n >= i): P_(n+1) = w_(n+1) P_n",
            "w_(n+1) is not w_i: the product rule on the recurrence; with the hypothesis dP_n/dw_i = g_i^(n), "
            "d2P_n/dw_i^2 = 0 this is w_(n+1) g_i^(n) = g_i^(n+1) and 0. By induction, for every N >= i: "
            "dP_N/dw_i = g_i = prod_(k != i) w_k and d2P_N/dw_i^2 = 0; applied to g_i (a product of the other "
            "weights), d2P_N/dw_i dw_j = R_ij = prod_(k != i, j) w_k",
            sp.ImmutableMatrix([sp.diff(wm * pn, wi), sp.diff(wm * pn, wi, 2)]),
            sp.ImmutableMatrix([wm * sp.Derivative(pn, wi), wm * sp.Derivative(pn, wi, 2)]),
            formula="dP_(n+1)/dw_i = w_(n+1) dP_n/dw_i, d2P_(n+1)/dw_i^2 = w_(n+1) d2P_n/dw_i^2",
            shown=(
                sp.ImmutableMatrix([sp.Derivative(wm * pn, wi), sp.Derivative(wm * pn, (wi, 2))]),
                sp.ImmutableMatrix([wm * sp.Derivative(pn, wi), wm * sp.Derivative(pn, wi, 2)]),
            ),
        ),
    ]


def _hessian_steps() -> list[Step]:
    """Chain rule with P a function of (w_i, w_j), then the derivatives of P from the induction."""
    wi, wj, gi, gj, rij, p, tee = sp.symbols("w_i w_j g_i g_j R_ij P T", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    f = sp.Function("P")(wi, wj)
    loss = sigma**2 * (f - tee) ** 2 / 2
    known = {sp.Derivative(f, wi, wj): rij, sp.Derivative(f, wj, wi): rij, sp.Derivative(f, (wi, 2)): 0, sp.Derivative(f, wi): gi, sp.Derivative(f, wj): gj}
    derivatives = [sp.diff(loss, wi), sp.diff(loss, wi, wj), sp.diff(loss, wi, 2)]
    return [
        identity_step(
            "gradient and Hessian for every N",
            "chain rule on L = sigma^2/2 (P - T)^2, then dP/dw_i = g_i, d2P/dw_i dw_j = R_ij, d2P/dw_i^2 = 0 (induction)",
            sp.ImmutableMatrix([d.xreplace(known).xreplace({f: p}) for d in derivatives]),
            sp.ImmutableMatrix([sigma**2 * (p - tee) * gi, sigma**2 * (gi * gj + (p - tee) * rij), sigma**2 * gi**2]),
            formula="dL/dw_i = sigma^2 (P - T) g_i, H_ij = sigma^2 (g_i g_j + (P - T) R_ij), H_ii = sigma^2 g_i^2",
        ),
    ]


def _rank_one_steps() -> list[Step]:
    g = sp.IndexedBase("g", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    trace = sp.Sum(sigma**2 * g[_K] ** 2, (_K, 1, _N))
    condition = is_zero(trace - sigma**2 * sp.Sum(g[_K] ** 2, (_K, 1, _N)))
    return rank_one_steps(_N, ("tr H = sum_(k=1..N) sigma^2 g_k^2 = sigma^2 sum_k g_k^2 (SymPy Sum)", condition))


def _amgm_steps() -> list[Step]:
    """Over the minima, lambda_max >= N sigma^2 |T|^(2-2/N), equality iff |w_k| = |T|^(1/N) (a_k = |w_k|)."""
    a = sp.IndexedBase("a", positive=True)
    tee = sp.Symbol("T", real=True, nonzero=True)
    tau, x, a_n, cn = sp.symbols("tau x a_(n+1) C_n", positive=True)  # tau = |T|; C_n: the hypothesis
    sigma = sp.Symbol("sigma", positive=True)
    n = sp.Symbol("n", integer=True, nonnegative=True)
    c_k = tee**2 / a[_K] ** 2  # c_k = g_k^2 = T^2 / w_k^2 at a minimum
    root = tau ** (1 / _N)
    return [
        identity_step(
            "geometric mean of the terms, by induction",
            "C_n = prod_(k <= n) c_k (prod_(k <= n) a_k)^2 with c_k = T^2 / a_k^2: C_0 = 1 = T^0 (base) and "
            "C_(n+1) = C_n c_(n+1) a_(n+1)^2 = T^(2n) T^2 (step, hypothesis C_n = T^(2n)); at n = N, prod_k a_k = tau = |T|",
            sp.ImmutableMatrix(
                [
                    sp.Product(c_k, (_K, 1, 0)).doit() * sp.Product(a[_K], (_K, 1, 0)).doit() ** 2,
                    cn * (tee**2 / a_n**2) * a_n**2,
                    tee ** (2 * n) * tee**2,
                    tee ** (2 * _N) / tee**2,
                ]
            ),
            sp.ImmutableMatrix([tee**0, cn * tee**2, tee ** (2 * (n + 1)), sp.Abs(tee) ** (2 * _N - 2)]),
            formula="C_(n+1) = C_n T^2, so C_N = T^(2N) and prod_k c_k = T^(2N) / T^2 = |T|^(2N - 2)",
        ),
        lemma_step(
            AM_GM,
            "the flattest bound",
            [
                ("N >= 1 terms (N a positive integer)", _N.is_positive and _N.is_integer),
                ("every c_k = T^2 / a_k^2 > 0", c_k.is_positive),
                ("(prod_k c_k)^(1/N) = (tau^(2N - 2))^(1/N) = tau^(2 - 2/N)", is_zero((tau ** (2 * _N - 2)) ** (1 / _N) - tau ** (2 - 2 / _N))),
            ],
            justification="on the N numbers c_k, with lambda_max = sigma^2 sum_k c_k",
            formula="lambda_max = sigma^2 sum_k c_k >= N sigma^2 |T|^(2 - 2/N)",
        ),
        fact_step(
            "equality case: all |w_k| = |T|^(1/N)",
            "AM-GM is tight iff all c_k are equal; c_k = T^2 / a_k^2 is strictly decreasing in a_k > 0, so all a_k are "
            "equal, to a with a^N = tau; x -> x^N is strictly increasing on x > 0 and (tau^(1/N))^N = tau",
            sp.diff(tee**2 / x**2, x).is_negative and sp.diff(x**_N, x).is_positive and is_zero(root**_N - tau),
            "d/da (T^2/a^2) < 0, d/dx x^N > 0 on x > 0, (tau^(1/N))^N - tau = 0",
            formula="equality forces |w_k| = |T|^(1/N) for every k",
        ),
        identity_step(
            "equality case attains the bound at a global minimum",
            "a_k = tau^(1/N): prod_k a_k = tau (a minimum, with the sign of T on one weight) and "
            "sigma^2 sum_k prod_(j != k) a_j^2 = N sigma^2 tau^(2 - 2/N)",
            sp.ImmutableMatrix([sp.Product(root, (_K, 1, _N)).doit(), sigma**2 * sp.Sum(sp.Product(root**2, (sp.Symbol("j", integer=True), 1, _N - 1)), (_K, 1, _N)).doit()]),
            sp.ImmutableMatrix([tau, _N * sigma**2 * tau ** (2 - 2 / _N)]),
            formula="lambda_max = N sigma^2 |T|^(2 - 2/N) exactly when |w_k| = |T|^(1/N)",
        ),
    ]


@functools.lru_cache(maxsize=1)
def general_scalar_derivation() -> Derivation:
    """The scalar closed form and the flattest value for symbolic depth N (every N >= 1)."""
    steps = [*_product_steps(), *_multilinear_steps(), *_hessian_steps(), *_rank_one_steps(), *_amgm_steps()]
    return Derivation(
        "Scalar deep linear network, every depth N >= 1 (theory id scalar-closed-form)",
        (
            "N a symbolic positive integer; w_1..w_N real",
            "sigma > 0 (input standard deviation)",
            "T real and nonzero (target), y = T x, L = sigma^2/2 (P - T)^2",
            "P = prod_(k=1..N) w_k, g_i = prod_(k != i) w_k, R_ij = prod_(k != i, j) w_k",
        ),
        tuple(steps),
    )
