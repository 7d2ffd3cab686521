"""The derivations printed by ``wideminima derive``: scalar and matrix networks, step by step.

Every step is built by :mod:`.derivation`'s constructors, which run its SymPy check
at construction. :func:`scalar_derivation` (theory id scalar-closed-form, depths
1..16) and :func:`matrix_derivation` (theory ids hessian-gauss-newton,
output-gram-spectrum, balanced-attains-bound; widths and depths up to 3) are
machine-checked in every step; a step whose check fails is printed as NOT CHECKED
and the command exits 1.

>>> d = scalar_derivation(3)
>>> d.all_checked, len(d.steps)
(True, 16)
"""

from __future__ import annotations

import functools

import sympy as sp

from ._checks import MAX_MATRIX_DEPTH, MAX_MATRIX_WIDTH, check_depth, check_width
from .balanced import balanced_factorization, balanced_lambda_max, cayley_orthogonal
from .matrix import MatrixNetwork, chain_product, commutation_matrix, concrete_network, kron, matrix_network, vec
from .scalar import scalar_network
from .steps import Derivation, Step, fact_step, identity_step, is_zero

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


@functools.lru_cache(maxsize=16, typed=True)  # typed: True must not hit the cache entry of 1
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


def _instance_weights(n: int, d: int) -> list[sp.ImmutableMatrix]:
    """Fixed rational weights for the concrete-instance steps (generic: no special structure)."""
    return [
        sp.ImmutableMatrix(d, d, lambda i, j, k=k: sp.Rational((3 * k + 5 * i + 7 * j) % 7 - 3, 1 + (i + 2 * j + k) % 3))
        for k in range(1, n + 1)
    ]


def _balanced_steps(n: int, d: int) -> list[Step]:
    """Balanced minima of a diagonal and of a rational non-diagonal T: lambda_max = N s^(2-2/N) exactly."""

    values = [sp.Integer(2), sp.Integer(1), sp.Rational(1, 3)][:d]
    eye = sp.ImmutableMatrix(sp.eye(d))
    m = d * (d - 1) // 2
    u = cayley_orthogonal([sp.Rational(1, 2 + i) for i in range(m)], d)
    v = cayley_orthogonal([sp.Rational(-1, 3 + i) for i in range(m)], d)
    rotations = [cayley_orthogonal([sp.Rational(k, 5 + i) for i in range(m)], d) for k in range(1, n)]
    bound = n * values[0] ** (2 - sp.Rational(2, n))
    steps: list[Step] = []
    for label, (uu, vv, rot) in (("diagonal T", (eye, eye, [])), ("rational non-diagonal T", (u, v, rotations))):
        target = sp.ImmutableMatrix(uu * sp.diag(*values) * vv.T)
        ws = balanced_factorization(uu, values, vv, n, rot)
        steps.append(
            identity_step(
                f"balanced minimum of the {label}",
                "W_k = Q_k S^(1/N) Q_{k-1}^T (Q_0 = V, Q_N = U, rational orthogonal Q by Cayley transforms)",
                sp.ImmutableMatrix.vstack(chain_product(ws), *[ws[k + 1].T * ws[k + 1] - ws[k] * ws[k].T for k in range(n - 1)]),
                sp.ImmutableMatrix.vstack(target, *[sp.zeros(d, d)] * (n - 1)),
                formula=f"W_N...W_1 = T = {sp.sstr(target.tolist())} and W_(k+1)^T W_(k+1) = W_k W_k^T",
            )
        )
        try:
            value, similar_ok = balanced_lambda_max(uu, values, vv, n, rot), True
        except ArithmeticError:
            value, similar_ok = sp.nan, False
        steps.append(
            fact_step(
                f"exact lambda_max at the balanced minimum of the {label}",
                "(V kron U)^T G (V kron U) is diagonal (an orthogonal similarity), so its diagonal is the spectrum of G",
                similar_ok and is_zero(value - bound),
                f"similarity verified as a polynomial identity in r_i = s_i^(1/N); max eigenvalue {sp.sstr(value)} "
                f"minus N s^(2-2/N) = {sp.sstr(bound)} simplifies to 0",
                formula=f"lambda_max = {sp.sstr(value)} = N s^(2 - 2/N) with s = {values[0]}",
                latex=rf"\lambda_{{\max}} = {sp.latex(value)} = N s^{{2 - 2/N}}",
            )
        )
    return steps


@functools.lru_cache(maxsize=16, typed=True)  # typed: True must not hit the cache entry of 1
def matrix_derivation(depth: int, width: int) -> Derivation:
    """Block Hessian by vec/Kronecker identities, the Gauss-Newton form at minima, the output gram
    and exact balanced spectra, for d x d layers with symbolic entries (N <= 3, d <= 3)."""


    n = check_depth(depth, maximum=MAX_MATRIX_DEPTH)
    d = check_width(width, maximum=MAX_MATRIX_WIDTH)
    net = matrix_network(n, d)
    big_a, big_d, big_b = (sp.ImmutableMatrix(d, d, lambda i, j, c=c: sp.Symbol(f"{c}_{i + 1}{j + 1}")) for c in "adb")
    e = net.end_to_end() - net.target
    sx = net.sigma_x
    steps: list[Step] = [
        identity_step(
            "vec convention (column-major)",
            "entrywise: (A D B)_ij = sum_pq A_ip D_pq B_qj",
            vec(big_a * big_d * big_b),
            kron(big_b.T, big_a) * vec(big_d),
            formula="vec(A D B) = (B^T kron A) vec(D)",
        ),
        identity_step(
            "commutation matrix",
            "K moves entry (i, j) of D to the position of entry (j, i)",
            commutation_matrix(d, d) * vec(big_d),
            vec(big_d.T),
            formula="K vec(D) = vec(D^T)",
        ),
        identity_step(
            "loss in vec form",
            "tr(E Sigma E^T) = vec(E)^T (Sigma kron I) vec(E) (vec identity with A = I, B = Sigma)",
            sp.ImmutableMatrix([net.loss()]),
            vec(e).T * kron(sx, sp.eye(d)) * vec(e) / 2,
            formula="L = 1/2 tr(E Sigma_x E^T) = 1/2 vec(E)^T (Sigma_x kron I) vec(E), E = W_{N:1} - T, Sigma_x = C^2",
        ),
        identity_step(
            "Jacobian of the end-to-end matrix",
            "W_{N:1} = A_k W_k B_k is linear in W_k; vec identity",
            sp.ImmutableMatrix(vec(net.end_to_end()).jacobian(net.parameters)),
            net.jacobian(),
            formula="d vec(W_{N:1}) / d vec(W_k) = B_k^T kron A_k",
        ),
        identity_step(
            "gradient",
            "dL = tr(R^T dW_{N:1}) with R = E Sigma_x, and dW_{N:1} = A_k dW_k B_k",
            sp.ImmutableMatrix([sp.diff(net.loss(), p) for p in net.parameters]),
            sp.ImmutableMatrix.vstack(*[vec(net.gradient_block(k)) for k in range(1, n + 1)]),
            formula="dL/dW_k = A_k^T R B_k^T",
        ),
    ]
    hessian = net.hessian_bruteforce()
    steps.append(
        identity_step(
            "block Hessian anywhere",
            "differentiate A_k^T R B_k^T: dR gives the Gauss-Newton block, dA_k and dB_k give the residual blocks "
            "((Y^T kron X) K with the commutation matrix, since they contain dW_l^T)",
            net.gauss_newton() + net.residual_term(),
            hessian,
            formula="H = J^T (Sigma_x kron I) J + Res(R), against sympy.hessian of the loss",
        )
    )
    gauss_newton = net.gauss_newton()
    steps.append(
        identity_step(
            "Gauss-Newton form at every global minimum (hessian-gauss-newton)",
            "at a global minimum W_{N:1} = T, so R = 0 and every residual block (linear in R) vanishes",
            net.at_minimum(hessian),
            gauss_newton,
            formula="H = J^T (Sigma_x kron I) J wherever W_{N:1} = T (T eliminated)",
        )
    )
    dirs = [sp.ImmutableMatrix(d, d, lambda i, j, k=k: sp.Symbol(f"d{k}_{i + 1}{j + 1}", real=True)) for k in range(1, n + 1)]
    vec_d = sp.ImmutableMatrix.vstack(*[vec(x) for x in dirs])
    mixed = sum((net.after(k) * dirs[k - 1] * net.before(k) for k in range(1, n + 1)), sp.zeros(d, d))
    steps.append(
        identity_step(
            "quadratic form at global minima",
            "vec(D)^T J^T (Sigma kron I) J vec(D) = vec(M)^T (Sigma kron I) vec(M) with vec(M) = J vec(D)",
            vec_d.T * gauss_newton * vec_d,
            sp.ImmutableMatrix([(mixed * sx * mixed.T).trace()]),
            formula="H[D, D] = ||(sum_k A_k D_k B_k) Sigma_x^(1/2)||_F^2 = tr(M Sigma_x M^T)",
        )
    )
    jw = net.whitened_jacobian()
    gram = net.output_gram()
    steps.append(
        identity_step(
            "Hessian at minima is J'^T J'",
            "Sigma_x kron I = (C kron I)^T (C kron I) with C symmetric",
            gauss_newton,
            jw.T * jw,
            formula="H = J'^T J', J' = (C kron I) J",
        )
    )
    steps.append(
        identity_step(
            "output gram (output-gram-spectrum)",
            "J' J'^T = sum_k (C kron I)(B_k^T kron A_k)(B_k kron A_k^T)(C kron I), mixed-product rule",
            jw * jw.T,
            gram,
            formula="G = J' J'^T = sum_k (C B_k^T B_k C) kron (A_k A_k^T)",
        )
    )
    frob = sum(
        ((net.after(k).T * net.after(k)).trace() * (sx * net.before(k).T * net.before(k)).trace() for k in range(1, n + 1)),
        sp.S.Zero,
    )
    steps.append(
        identity_step(
            "trace identity",
            "tr(J'^T J') = tr(J' J'^T) and tr(X kron Y) = tr(X) tr(Y)",
            sp.ImmutableMatrix([gauss_newton.trace(), gram.trace()]),
            sp.ImmutableMatrix([frob, frob]),
            formula="tr H = tr G = sum_k ||A_k||_F^2 ||B_k Sigma_x^(1/2)||_F^2",
        )
    )
    steps.append(_sylvester_step(net))
    steps += _balanced_steps(n, d)
    return Derivation(
        f"Matrix deep linear network, depth N = {n}, width d = {d} "
        "(theory ids hessian-gauss-newton, output-gram-spectrum, balanced-attains-bound)",
        (
            "W_k real d x d with symbolic entries",
            "T real d x d (symbolic)",
            "Sigma_x = C^2 with C = Sigma_x^(1/2) symmetric (symbolic)",
            "vec is column-major; parameters ordered layer by layer",
            "global minima: W_{N:1} = T (all widths d >= rank T)",
        ),
        tuple(steps),
    )


def _sylvester_step(net: MatrixNetwork) -> Step:
    """Nonzero spectra of H and G coincide, checked exactly on one rational minimum."""

    n, d = net.depth, net.width
    c = sp.ImmutableMatrix(sp.eye(d) + sp.ones(d, d) / 4)  # a rational symmetric positive definite Sigma_x^(1/2)
    instance = concrete_network(_instance_weights(n, d), sigma_x_sqrt=c)
    h = instance.gauss_newton()
    x = sp.Symbol("x")
    lhs = h.charpoly(x).as_expr()
    rhs = sp.expand(x ** (h.rows - d * d) * instance.output_gram().charpoly(x).as_expr())
    return identity_step(
        "same nonzero eigenvalues (on a rational instance)",
        "Sylvester: det(x I - J'^T J') = x^(P - d^2) det(x I - J' J'^T); checked exactly at fixed rational W_k "
        "and C = I + ones/4, T = W_{N:1}",
        lhs,
        rhs,
        formula="charpoly_H(x) = x^(N d^2 - d^2) charpoly_G(x)",
    )
