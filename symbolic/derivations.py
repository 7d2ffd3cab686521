"""The derivations printed by ``wideminima derive``: scalar and matrix networks, step by step.

Every step is built by :mod:`.derivation`'s constructors, which run its SymPy check
at construction. :func:`scalar_derivation` (theory id scalar-closed-form) is
checked in full for every depth; :func:`matrix_derivation` (theory ids
hessian-gauss-newton, output-gram-spectrum, balanced-attains-bound) is checked in
full for widths and depths up to 3.

>>> d = scalar_derivation(3)
>>> d.all_checked, len(d.steps)
(True, 16)
"""

from __future__ import annotations

import functools

import sympy as sp

from ._checks import check_depth
from .derivation import Derivation, Step, fact_step, identity_step, is_zero
from .scalar import scalar_network

__all__ = ["MAX_SCALAR_DERIVATION_DEPTH", "matrix_derivation", "scalar_derivation"]

# The scalar derivation cross-checks against sympy.hessian, whose cost grows fast with N
# (about 2 s at N = 12, 10 s at N = 20); scalar_network(depth) itself has no limit.
MAX_SCALAR_DERIVATION_DEPTH = 16


def _phi(x: sp.Expr) -> sp.Expr:
    """x - 1 - log x: nonnegative on x > 0, zero only at x = 1 (the AM-GM workhorse)."""
    return x - 1 - sp.log(x)


def _scalar_pattern_steps() -> list[Step]:
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


@functools.lru_cache(maxsize=16)
def scalar_derivation(depth: int) -> Derivation:
    """Loss, gradient, Hessian, rank-one structure at minima and the flattest value (AM-GM) for depth N."""
    n = check_depth(depth, maximum=MAX_SCALAR_DERIVATION_DEPTH)
    net = scalar_network(n)
    w, sigma, tee = net.weights, net.sigma, net.target
    x = sp.Symbol("x", real=True)
    p = net.product()
    steps: list[Step] = []

    expected = sp.expand((tee * x - p * x) ** 2 / 2).subs(x**2, sigma**2)
    steps.append(
        identity_step(
            "loss",
            "L = 1/2 E[(y - P x)^2] with y = T x and E[x^2] = sigma^2 (output noise only adds a constant)",
            expected,
            sp.expand(net.loss()),
            formula=f"L = sigma^2/2 (P - T)^2, P = {sp.sstr(p)}",
            shown=(sp.Symbol("L"), net.loss()),
        )
    )
    steps += _scalar_pattern_steps()
    steps.append(
        identity_step(
            f"gradient for N = {n}",
            "the any-depth pattern, against SymPy's own differentiation",
            net.gradient(),
            sp.ImmutableMatrix([sp.diff(net.loss(), wi) for wi in w]),
            formula="dL/dw_i = sigma^2 (P - T) g_i for every i",
            shown=(sp.Symbol(r"\nabla L"), net.gradient()),
        )
    )
    steps.append(
        identity_step(
            f"Hessian anywhere for N = {n}",
            "the closed-form mixed partials, against sympy.hessian of the loss",
            net.hessian(),
            net.hessian_bruteforce(),
            formula="H_ij = sigma^2 (g_i g_j + (P - T) R_ij), H_ii = sigma^2 g_i^2",
            shown=(sp.Symbol(r"\nabla^2 L"), net.hessian()),
        )
    )
    h_min = net.at_minimum(net.hessian())
    g = net.path_vector()
    steps.append(
        identity_step(
            "Hessian at global minima",
            "at a global minimum P = T, so every residual term (P - T) R_ij vanishes",
            h_min,
            sigma**2 * g * g.T,
            formula="H = sigma^2 g g^T, g_k = prod_{j != k} w_j",
        )
    )
    trace = net.sharpness_at_minimum()
    perp = [g[j] * sp.eye(n)[:, i] - g[i] * sp.eye(n)[:, j] for i in range(n) for j in range(i + 1, n)]
    steps.append(
        identity_step(
            "rank one: g is an eigenvector with eigenvalue trace(H)",
            "H g = sigma^2 g (g^T g)",
            h_min * g,
            trace * g,
            formula="H g = trace(H) g",
        )
    )
    steps.append(
        fact_step(
            "rank one: H vanishes on the orthogonal complement of g",
            "the vectors g_j e_i - g_i e_j (i < j) are orthogonal to g and span its complement when g != 0",
            all(is_zero(h_min * v) for v in perp),
            f"H (g_j e_i - g_i e_j) expands to 0 for all {len(perp)} pairs i < j",
            formula="H (g_j e_i - g_i e_j) = 0",
        )
    )
    steps.append(
        identity_step(
            "lambda_max = trace",
            "H is positive semidefinite of rank one (the two steps above), so its only nonzero eigenvalue is its trace",
            h_min.trace(),
            trace,
            formula="lambda_max = trace(H) = sigma^2 sum_k prod_{j != k} w_j^2",
        )
    )
    steps += _scalar_amgm_steps(n, sigma)
    return Derivation(
        f"Scalar deep linear network, depth N = {n} (theory id scalar-closed-form)",
        ("w_k real", "sigma > 0 (input standard deviation)", "T real and nonzero (target)", "y = T x"),
        tuple(steps),
    )


def _scalar_amgm_steps(n: int, sigma: sp.Symbol) -> list[Step]:
    """lambda_max >= N sigma^2 |T|^(2-2/N) over the minima, with the equality case."""
    a = sp.symbols(f"a1:{n + 1}", positive=True)  # a_k = |w_k| > 0 (T != 0 forces w_k != 0)
    prod_a2 = sp.Mul(*[ak**2 for ak in a])
    c = [sp.Mul(*[a[j] ** 2 for j in range(n) if j != k]) for k in range(n)]
    m = prod_a2 ** sp.Rational(n - 1, n)
    x = sp.Symbol("x", positive=True)
    from sympy.calculus.util import minimum

    phi_min = minimum(_phi(x), x, sp.Interval.open(0, sp.oo))
    stationary = sp.solveset(sp.diff(_phi(x), x), x, sp.Interval.open(0, sp.oo))
    convex = sp.diff(_phi(x), x, 2).is_positive
    tau = sp.Symbol("tau", positive=True)  # tau = |T|
    flat = [tau ** sp.Rational(1, n)] * n
    return [
        identity_step(
            "geometric mean of the terms",
            "c_k = prod_{j != k} a_j^2 with a_k = |w_k| > 0 (T != 0), and prod_k a_k = |T|",
            sp.Mul(*c),
            m**n,
            formula="prod_k c_k = m^N with m = |T|^(2 - 2/N)",
        ),
        fact_step(
            "phi(x) = x - 1 - log x >= 0 on x > 0, zero only at x = 1",
            "phi is strictly convex (phi'' = 1/x^2 > 0) with its only stationary point at x = 1, where phi = 0",
            phi_min == 0 and stationary == sp.FiniteSet(1) and convex is True,
            "minimum(phi, x, (0, oo)) = 0, solveset(phi' = 0) = {1}, phi'' > 0",
            formula="x - 1 - log(x) >= 0",
        ),
        identity_step(
            "AM-GM as a sum of nonnegative terms",
            "sum_k log(c_k / m) = log(prod_k c_k / m^N) = 0 (geometric-mean step); each phi term is >= 0",
            sp.Add(*c) - n * m,
            m * sp.Add(*[_phi(ck / m) for ck in c]),
            formula="sum_k c_k - N m = m sum_k phi(c_k / m) >= 0",
        ),
        identity_step(
            "the flattest bound",
            "lambda_max = sigma^2 sum_k c_k (lambda_max step) >= N sigma^2 m (AM-GM step), and m rewritten",
            n * sigma**2 * m,
            n * sigma**2 * sp.Mul(*a) ** (2 - sp.Rational(2, n)),
            formula="N sigma^2 m = N sigma^2 |T|^(2 - 2/N), hence lambda_max >= N sigma^2 |T|^(2 - 2/N)",
        ),
        identity_step(
            "equality case: equal c_k means equal |w_k|",
            "c_k a_k^2 = prod_j a_j^2 for every k, and phi vanishes only at 1, so equality forces c_k = m for all k",
            sp.ImmutableMatrix([ck * ak**2 for ck, ak in zip(c, a)]),
            sp.ImmutableMatrix([prod_a2] * n),
            formula="c_k a_k^2 = prod_j a_j^2",
        ),
        identity_step(
            "equality case: |w_k| = |T|^(1/N) attains the bound",
            "substitute a_k = |T|^(1/N) (so prod_k a_k = |T|) into sigma^2 sum_k c_k",
            sigma**2 * sp.Add(*c).subs(dict(zip(a, flat))),
            n * sigma**2 * tau ** (2 - sp.Rational(2, n)),
            formula="lambda_max = N sigma^2 |T|^(2 - 2/N) exactly when |w_k| = |T|^(1/N)",
        ),
    ]


def matrix_derivation(depth: int, width: int) -> Derivation:  # pragma: no cover - defined in matrix part
    raise NotImplementedError
