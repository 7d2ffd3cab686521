"""The matrix derivation for every width at once: depth N fixed, widths d_0..d_N symbolic.

Theory ids: hessian-gauss-newton, output-gram-spectrum, bilinear-lower-bound (and the
expansion of P(W + tD) in the Setting of theorems.md).

Every matrix is a non-commuting symbol of :mod:`.matrix_words` with a symbolic shape
(W_k and D_k are d_k x d_{k-1}, T is d_N x d_0, C = Sigma_x^{1/2} is symmetric
d_0 x d_0), so each identity below is proved for all widths by one expansion, and each
trace identity by the trace normal form. Named lemmas (:mod:`.lemmas`) supply what is
not an identity (Sylvester, Cauchy-Schwarz, Courant-Fischer, the vec-Kronecker and
Kronecker-trace rules); their side conditions are checked, usually by the identities of
earlier steps. The entry-wise :func:`~.derivations.matrix_derivation` (N, d <= 3) stays
as an independent cross-check at small sizes.

Cost: the expansion of P(W + tD) has 2^N words; N = 8 takes a few seconds.

>>> d = dimension_free_matrix_derivation(2)
>>> d.all_checked
True
"""

from __future__ import annotations

import functools

import sympy as sp

from ._checks import check_depth
from .steps import Derivation, Step, fact_step
from .lemmas import CAUCHY_SCHWARZ, COURANT_FISCHER, KRONECKER_TRACE, SYLVESTER, VEC_KRONECKER, lemma_step
from .matrix_words import MatrixAlgebra, product, trace_identity_step, trace_is_zero, word_identity_step

__all__ = ["MAX_DIMENSION_FREE_DEPTH", "dimension_free_matrix_derivation", "general_matrix_derivation"]

# 2^N words in the expansion of P(W + tD): N = 8 (256 words) runs in seconds, each step up doubles it.
MAX_DIMENSION_FREE_DEPTH = 8


class _Network:
    """The symbols of a depth-N network with symbolic widths, and its words A_k, B_k, J(D), Q(D)."""

    def __init__(self, n: int) -> None:
        self.n = n
        alg = self.alg = MatrixAlgebra()
        d = sp.symbols(f"d_0:{n + 1}", positive=True, integer=True)
        self.w = [alg.matrix(f"W_{k}", d[k], d[k - 1]) for k in range(1, n + 1)]
        self.d = [alg.matrix(f"D_{k}", d[k], d[k - 1]) for k in range(1, n + 1)]
        self.target = alg.matrix("T", d[n], d[0])
        self.c = alg.matrix("C", d[0], d[0], symmetric=True)
        self.m = alg.matrix("M", d[n], d[0])
        self.u, self.v = alg.matrix("u", d[n], 1), alg.matrix("v", d[0], 1)
        self.t = sp.Symbol("t")

    def product(self) -> sp.Expr:
        """P = W_N ... W_1."""
        return self.span(self.n, 1)

    def label(self, k: int) -> str:
        """How layer k is written in a side condition."""
        return str(k)

    def span(self, j: int, i: int) -> sp.Expr:
        """W_{j:i} = W_j ... W_i (1-based; 1 when j < i)."""
        return product(reversed(self.w[i - 1 : j]))

    def after(self, k: int) -> sp.Expr:
        """A_k = W_{N:k+1}."""
        return self.span(self.n, k + 1)

    def before(self, k: int) -> sp.Expr:
        """B_k = W_{k-1:1}."""
        return self.span(k - 1, 1)

    def jac(self, dirs: list[sp.Expr]) -> sp.Expr:
        """J(D) = sum_k A_k D_k B_k."""
        return sp.Add(*[self.after(k) * dirs[k - 1] * self.before(k) for k in range(1, self.n + 1)])

    def quad(self) -> sp.Expr:
        """Q(D) = sum_{i > j} W_{N:i+1} D_i W_{i-1:j+1} D_j W_{j-1:1}."""
        n, dd = self.n, self.d
        return sp.Add(
            *[self.after(i) * dd[i - 1] * self.span(i - 1, j + 1) * dd[j - 1] * self.before(j) for i in range(1, n + 1) for j in range(1, i)]
        )

    def gram(self, m: sp.Expr) -> sp.Expr:
        """G(M) = sum_k A_k A_k^T M C B_k^T B_k C, the output gram as words (theory id output-gram-spectrum)."""
        tr = self.alg.transpose
        return sp.Add(*[self.after(k) * tr(self.after(k)) * m * self.c * tr(self.before(k)) * self.before(k) * self.c for k in range(1, self.n + 1)])

    def adjoint(self, m: sp.Expr, k: int) -> sp.Expr:
        """J'^*(M)_k = A_k^T M C B_k^T, the adjoint of J'(D) = J(D) C."""
        tr = self.alg.transpose
        return tr(self.after(k)) * m * self.c * tr(self.before(k))


class _GenericLayers(_Network):
    """Two generic layers k != l of a network of any depth N: A_k, B_k, D_k are free symbols.

    Every identity of :func:`_hessian_steps`, :func:`_gram_steps` and
    :func:`_bilinear_steps` is a sum over layers k (or pairs k, l) of terms built from
    A_k, D_k, B_k (and A_l, D_l, B_l) alone, whose form depends only on whether k = l.
    With free symbols for two layers, the difference of the two sides vanishes only if
    every such term does, so the check holds for all N and for any A_k, B_k whatever
    (in particular A_k = W_(N:k+1), B_k = W_(k-1:1)).
    """

    def __init__(self) -> None:  # noqa: D107 (the class docstring says it)
        self.n = 2
        alg = self.alg = MatrixAlgebra()
        d_n, d_0 = sp.symbols("d_N d_0", positive=True, integer=True)
        self._labels = ("k", "l")
        self.a, self.b, self.d = [], [], []
        for name in self._labels:
            rows, cols = sp.symbols(f"d_{name} d_({name}-1)", positive=True, integer=True)
            self.a.append(alg.matrix(f"A_{name}", d_n, rows))
            self.d.append(alg.matrix(f"D_{name}", rows, cols))
            self.b.append(alg.matrix(f"B_{name}", cols, d_0))
        self.p = alg.matrix("P", d_n, d_0)
        self.target = alg.matrix("T", d_n, d_0)
        self.c = alg.matrix("C", d_0, d_0, symmetric=True)
        self.m = alg.matrix("M", d_n, d_0)
        self.u, self.v = alg.matrix("u", d_n, 1), alg.matrix("v", d_0, 1)
        self.t = sp.Symbol("t")

    def product(self) -> sp.Expr:
        return self.p

    def label(self, k: int) -> str:
        return self._labels[k - 1]

    def after(self, k: int) -> sp.Expr:
        return self.a[k - 1]

    def before(self, k: int) -> sp.Expr:
        return self.b[k - 1]


def _induction_steps() -> list[Step]:
    """P(W + tD) = P + t J(D) + t^2 Q(D) + O(t^3) for every depth, by induction on n."""
    alg, t = MatrixAlgebra(), sp.Symbol("t")
    d = sp.symbols("d_0:3", positive=True, integer=True)  # widths d_0 (input), d_n (after layer n), d_(n+1)
    w, dd = alg.matrix("W_(n+1)", d[2], d[1]), alg.matrix("D_(n+1)", d[2], d[1])
    p, j, q, z = (alg.matrix(name, d[1], d[0]) for name in ("P_n", "J_n", "Q_n", "Z_n"))
    moved = sp.expand((w + t * dd) * (p + t * j + t**2 * q + t**3 * z))
    low = sum((t**m * moved.coeff(t, m) for m in range(3)), sp.S.Zero)
    # generic terms of J_n = sum_k A_k D_k B_k and Q_n = sum_(i > j) A_i D_i W_(i-1:j+1) D_j B_j
    d_k = sp.symbols("d_k d_(k-1) d_i d_(i-1) d_j d_(j-1)", positive=True, integer=True)
    a_k, d_kk, b_k = alg.matrix("A_k", d[1], d_k[0]), alg.matrix("D_k", d_k[0], d_k[1]), alg.matrix("B_k", d_k[1], d[0])
    a_i, d_i = alg.matrix("A_i", d[1], d_k[2]), alg.matrix("D_i", d_k[2], d_k[3])
    mid, d_j, b_j = alg.matrix("W_(i-1:j+1)", d_k[3], d_k[4]), alg.matrix("D_j", d_k[4], d_k[5]), alg.matrix("B_j", d_k[5], d[0])
    a_j = alg.matrix("A_j", d[1], d_k[4])  # A_j^(n) = W_(n:j+1): the middle span of the new pairs (n+1, j)
    w_1, d_1 = alg.matrix("W_1", d[1], d[0]), alg.matrix("D_1", d[1], d[0])
    recurrences = [
        (w_1 + t * d_1, w_1 + t * (1 * d_1 * 1) + t**2 * 0),  # base: P_1 = W_1, J_1 = A_1 D_1 B_1 (A_1 = B_1 = I), Q_1 = 0
        (w * (a_k * d_kk * b_k), (w * a_k) * d_kk * b_k),  # old terms of J: A_k^(n+1) = W_(n+1) A_k^(n)
        (dd * p, 1 * dd * p),  # new term of J: k = n+1, A = I, B_(n+1) = P_n
        (w * (a_i * d_i * mid * d_j * b_j), (w * a_i) * d_i * mid * d_j * b_j),  # old pairs of Q
        (dd * (a_j * d_j * b_j), 1 * dd * a_j * d_j * b_j),  # new pairs (n+1, j) of Q
    ]
    return [
        word_identity_step(
            alg,
            "expansion of P(W + tD), induction step",
            "P_(n+1)(t) = (W_(n+1) + t D_(n+1)) P_n(t) with the hypothesis P_n(t) = P_n + t J_n + t^2 Q_n + t^3 Z_n(t); "
            "the base P_1(t) = W_1 + t D_1 has J_1 = D_1, Q_1 = 0",
            low,
            w * p + t * (w * j + dd * p) + t**2 * (w * q + dd * j),
            formula="J_(n+1) = W_(n+1) J_n + D_(n+1) P_n, Q_(n+1) = W_(n+1) Q_n + D_(n+1) J_n",
        ),
        fact_step(
            "the closed forms of J and Q satisfy the base case and these recurrences",
            "multiplying by W_(n+1) turns A_k^(n) = W_(n:k+1) into A_k^(n+1); the new terms have A = I, B_(n+1) = P_n "
            "and middle span W_(n:j+1) = A_j^(n). By induction, for every N: J(D) = sum_k A_k D_k B_k and "
            "Q(D) = sum_(i > j) W_(N:i+1) D_i W_(i-1:j+1) D_j W_(j-1:1)",
            all(alg.well_formed(lhs, rhs) and sp.expand(lhs - rhs) == 0 for lhs, rhs in recurrences),
            "each generic term: both sides well-formed and equal as words of non-commuting symbols",
            formula="P(W + tD) = P + t J(D) + t^2 Q(D) + O(t^3) for every depth N and every width",
        ),
    ]


def _expansion_steps(net: _Network) -> list[Step]:
    t = net.t
    moved = sp.expand(product(reversed([w + t * dk for w, dk in zip(net.w, net.d)])))
    low = sum((t**m * moved.coeff(t, m) for m in range(3)), sp.S.Zero)
    return [
        word_identity_step(
            net.alg,
            "expansion of P(W + tD) to second order",
            f"multiply out the {2 ** net.n} words of prod_k (W_k + t D_k) and keep the powers t^0, t^1, t^2",
            low,
            net.product() + t * net.jac(net.d) + t**2 * net.quad(),
            formula="P(W + tD) = P + t J(D) + t^2 Q(D) + O(t^3), J(D) = sum_k A_k D_k B_k, "
            "Q(D) = sum_{i > j} W_{N:i+1} D_i W_{i-1:j+1} D_j W_{j-1:1}",
        )
    ]


def _hessian_steps(net: _Network) -> list[Step]:
    """Gradient and the Hessian quadratic form = Gauss-Newton + residual; the residual vanishes at P = T."""
    alg, t, c = net.alg, net.t, net.c
    shape = alg.shape((net.target,))
    e, j, q, z = (alg.matrix(name, *shape) for name in ("E", "J", "Q", "Z"))
    along = e + t * j + t**2 * q + t**3 * z  # E(W + tD) = P(W + tD) - T; Z collects the orders >= 3
    loss = along * c * c * alg.transpose(along) / 2
    first = sp.diff(sp.expand(loss), t).subs(t, 0)
    second = sp.diff(sp.expand(loss), t, 2).subs(t, 0)
    tr = alg.transpose
    e_words = net.product() - net.target
    grad = [tr(net.after(k)) * e * c * c * tr(net.before(k)) for k in range(1, net.n + 1)]
    return [
        trace_identity_step(
            alg,
            "gradient",
            "dL/dt at t = 0 is tr(E Sigma_x J(D)^T) (E = P - T, Sigma_x = C C); move each A_k and B_k around the trace",
            first.xreplace({j: net.jac(net.d), alg.T(j): tr(net.jac(net.d))}),
            sp.Add(*[tr(dk) * gk for dk, gk in zip(net.d, grad)]),
            formula="dL[D] = sum_k tr(D_k^T A_k^T E Sigma_x B_k^T), so dL/dW_k = A_k^T E Sigma_x B_k^T",
        ),
        trace_identity_step(
            alg,
            "Hessian quadratic form = Gauss-Newton + residual (hessian-gauss-newton)",
            "H[D, D] = d^2/dt^2 L(W + tD) at t = 0 with L = 1/2 tr(E Sigma_x E^T) and E(W + tD) = E + t J + t^2 Q + O(t^3)",
            second,
            j * c * c * tr(j) + 2 * e * c * c * tr(q),
            formula="H[D, D] = ||J(D) Sigma_x^(1/2)||_F^2 + 2 tr((P - T) Sigma_x Q(D)^T)",
        ),
        word_identity_step(
            alg,
            "residual term vanishes at every global minimum",
            "the residual 2 tr(E Sigma_x Q^T) is linear in E = P - T, and E = 0 where P = T",
            e_words.xreplace({net.target: net.product()}) * c * c * tr(q),
            sp.S.Zero,
            formula="(P - T) Sigma_x Q(D)^T = 0 at P = T, so H[D, D] = ||J(D) Sigma_x^(1/2)||_F^2 there",
            shown=(r"\left.(P - T) \Sigma_x Q(D)^T\right|_{T = P}", "0"),
        ),
    ]


def _gram_steps(net: _Network) -> tuple[list[Step], dict[str, bool]]:
    """Adjoint, H = J'^* J', G = J' J'^*, the vec form, Sylvester and the trace formula."""
    alg, c, m, n = net.alg, net.c, net.m, net.n
    tr = alg.transpose
    jw = net.jac(net.d) * c  # J'(D) = J(D) C
    adjoint = [net.adjoint(m, k) for k in range(1, n + 1)]
    is_adjoint = trace_is_zero(alg, tr(jw) * m - sp.Add(*[tr(dk) * ak for dk, ak in zip(net.d, adjoint)]))
    e2 = [alg.matrix(f"D'_{k}", *alg.shape((net.d[k - 1],))) for k in range(1, n + 1)]
    jw2 = net.jac(e2) * c
    normal = [net.adjoint(jw, k) for k in range(1, n + 1)]  # (J'^* J' D)_k
    gram = net.gram(m)
    composed = sp.Add(*[net.after(k) * adjoint[k - 1] * net.before(k) * c for k in range(1, n + 1)])
    gram_ok = sp.expand(composed - gram) == 0
    hessian_ok = trace_is_zero(alg, sp.Add(*[tr(dk) * nk for dk, nk in zip(net.d, normal)]) - tr(jw) * jw)
    self_adjoint = trace_is_zero(alg, sp.Add(*[tr(e2k) * nk for e2k, nk in zip(e2, normal)]) - tr(jw2) * jw)
    right = [c * tr(net.before(k)) * net.before(k) * c for k in range(1, n + 1)]
    left = [net.after(k) * tr(net.after(k)) for k in range(1, n + 1)]
    steps = [
        fact_step(
            "adjoint of the whitened Jacobian",
            "<J'(D), M> = tr(J'(D)^T M) = sum_k tr(D_k^T A_k^T M C B_k^T) with C symmetric",
            is_adjoint,
            "trace normal form of tr(J'(D)^T M) - sum_k tr(D_k^T J'^*(M)_k) is 0 for every width",
            formula="J'(D) = J(D) C has adjoint J'^*(M)_k = A_k^T M C B_k^T",
        ),
        fact_step(
            "Hessian at minima is J'^* J'",
            "<D, J'^* J' D> = ||J'(D)||_F^2 = H[D, D] at P = T (previous steps)",
            hessian_ok,
            "trace normal form of sum_k tr(D_k^T (J'^* J' D)_k) - tr(J'(D)^T J'(D)) is 0 for every width",
            formula="H = J'^* J' at every global minimum",
        ),
        word_identity_step(
            alg,
            "output gram (output-gram-spectrum)",
            "compose J' after J'^*: sum_k A_k (A_k^T M C B_k^T) B_k C",
            composed,
            gram,
            formula="G(M) = J'(J'^*(M)) = sum_k A_k A_k^T M C B_k^T B_k C",
        ),
        lemma_step(
            VEC_KRONECKER,
            "output gram in vec form",
            [(f"(C B_{b}^T B_{b} C)^T = C B_{b}^T B_{b} C", sp.expand(tr(r) - r) == 0) for b, r in zip(map(net.label, range(1, n + 1)), right)]
            + [("each term of G(M) is X_k M Y_k with X_k = A_k A_k^T, Y_k = C B_k^T B_k C", sp.expand(gram - sp.Add(*[x * m * y for x, y in zip(left, right)])) == 0)],
            justification="with X = A_k A_k^T and Y = C B_k^T B_k C = Y^T",
            formula="G = sum_k (C B_k^T B_k C) kron (A_k A_k^T), a (d_N d_0)-square matrix for every depth and width",
        ),
        lemma_step(
            SYLVESTER,
            "H and G have the same nonzero eigenvalues",
            [
                ("J'^* is the adjoint of J' (adjoint step)", is_adjoint),
                ("J'^* J' = H at minima (step above)", hessian_ok),
                ("J' J'^* = G (output gram step)", gram_ok),
            ],
            justification="with J = J' and K = J'^*",
            formula="spec(H) \\ {0} = spec(G) \\ {0}, with multiplicities",
        ),
        lemma_step(
            KRONECKER_TRACE,
            "trace formula",
            [(f"C B_{b}^T B_{b} C and A_{b} A_{b}^T are square", alg.traceable(r, x)) for b, r, x in zip(map(net.label, range(1, n + 1)), right, left)]
            + [
                ("tr H = tr G: the same nonzero eigenvalues (Sylvester step)", is_adjoint and hessian_ok and gram_ok),
                (
                    "tr(C B_k^T B_k C) = ||B_k C||_F^2 and tr(A_k A_k^T) = ||A_k||_F^2 (trace normal form)",
                    all(trace_is_zero(alg, r - tr(net.before(k) * c) * net.before(k) * c) for k, r in enumerate(right, 1))
                    and all(trace_is_zero(alg, x - tr(net.after(k)) * net.after(k)) for k, x in enumerate(left, 1)),
                ),
            ],
            justification="tr G = sum_k tr(C B_k^T B_k C) tr(A_k A_k^T), and tr H = tr G",
            formula="tr H = tr G = sum_k ||A_k||_F^2 ||B_k Sigma_x^(1/2)||_F^2",
        ),
    ]
    return steps, {"self_adjoint": self_adjoint, "hessian": hessian_ok}


def _bilinear_steps(net: _Network, facts: dict[str, bool]) -> list[Step]:
    """lambda_max >= sum_k ||A_k^T u||^2 ||B_k Sigma_x^{1/2} v||^2 at every global minimum (unit u, v)."""
    alg, c, u, v, n = net.alg, net.c, net.u, net.v, net.n
    tr = alg.transpose
    a = [tr(net.after(k)) * u for k in range(1, n + 1)]
    b = [net.before(k) * c * v for k in range(1, n + 1)]
    rank_one = [ak * tr(bk) for ak, bk in zip(a, b)]  # D_k = a_k b_k^T
    jw = net.jac(rank_one) * c
    s_value = sp.Add(*[tr(ak) * ak * tr(bk) * bk for ak, bk in zip(a, b)])
    steps = [
        word_identity_step(
            alg,
            "bilinear bound: the test direction",
            "D_k = a_k b_k^T with a_k = A_k^T u, b_k = B_k C v: u^T A_k a_k b_k^T B_k C v = ||a_k||^2 ||b_k||^2",
            tr(u) * jw * v,
            s_value,
            formula="u^T J'(D) v = sum_k ||A_k^T u||^2 ||B_k Sigma_x^(1/2) v||^2 =: S",
        ),
        trace_identity_step(
            alg,
            "bilinear bound: the norm of the test direction",
            "||D||^2 = sum_k tr(D_k^T D_k) = sum_k tr(b_k a_k^T a_k b_k^T)",
            sp.Add(*[tr(dk) * dk for dk in rank_one]),
            s_value,
            formula="||D||^2 = sum_k ||a_k||^2 ||b_k||^2 = S",
        ),
        lemma_step(
            CAUCHY_SCHWARZ,
            "bilinear bound: Cauchy-Schwarz in the Frobenius inner product",
            [
                ("<u v^T, J'(D)> = u^T J'(D) v (trace normal form)", trace_is_zero(alg, v * tr(u) * jw - tr(u) * jw * v)),
                ("||u v^T||_F^2 = (u^T u)(v^T v) = 1 for unit u, v (trace normal form)", trace_is_zero(alg, v * tr(u) * u * tr(v) - tr(u) * u * tr(v) * v)),
            ],
            justification="with x = u v^T and y = J'(D)",
            formula="H[D, D] = ||J'(D)||_F^2 >= <u v^T, J'(D)>^2 / ||u v^T||_F^2 = S^2",
        ),
        lemma_step(
            COURANT_FISCHER,
            "bilinear bound: Rayleigh quotient",
            [
                ("H = J'^* J' is self-adjoint: <D', H D> = <J'(D'), J'(D)> (trace normal form)", facts["self_adjoint"]),
                ("H[D, D] = ||J'(D)||_F^2 at minima (Hessian step)", facts["hessian"]),
            ],
            justification="if S = 0 the bound is lambda_max >= 0, true as H = J'^* J' is positive semidefinite",
            formula="lambda_max >= H[D, D] / ||D||^2 >= S^2 / S",
        ),
    ]
    return steps + [
        fact_step(
            "bilinear-lower-bound",
            "chain the four steps above: lambda_max >= S^2 / S = S when S > 0",
            all(step.checked for step in steps),
            "each of the four steps it chains is checked",
            formula="lambda_max >= sum_k ||A_k^T u||^2 ||B_k Sigma_x^(1/2) v||^2 at every global minimum, unit u, v",
        )
    ]


@functools.lru_cache(maxsize=1)
def general_matrix_derivation() -> Derivation:
    """The matrix derivation for every depth N and every width (two generic layers, induction on the expansion)."""
    net = _GenericLayers()
    gram_steps, facts = _gram_steps(net)
    steps = _induction_steps() + _hessian_steps(net) + gram_steps + _bilinear_steps(net, facts)
    return Derivation(
        "Matrix deep linear network, every depth N and every width (theory ids hessian-gauss-newton, "
        "output-gram-spectrum, bilinear-lower-bound)",
        (
            "W_k, D_k real d_k x d_(k-1), T real d_N x d_0, any N >= 1 and d_0, ..., d_N >= 1 (non-commuting symbols)",
            "A_k = W_(N:k+1), B_k = W_(k-1:1): two generic layers k != l stand for all (see each sum over k)",
            "Sigma_x = C C with C = Sigma_x^(1/2) symmetric; L = 1/2 tr(E Sigma_x E^T), E = P - T",
            "global minima: P = T (all widths >= rank T); u, v unit vectors",
        ),
        tuple(steps),
    )


@functools.lru_cache(maxsize=8, typed=True)  # typed: True must not hit the cache entry of 1
def dimension_free_matrix_derivation(depth: int) -> Derivation:
    """The depth-N matrix derivation with every width symbolic (N <= :data:`MAX_DIMENSION_FREE_DEPTH`)."""
    n = check_depth(depth, maximum=MAX_DIMENSION_FREE_DEPTH)
    net = _Network(n)
    gram_steps, facts = _gram_steps(net)
    steps = _expansion_steps(net) + _hessian_steps(net) + gram_steps + _bilinear_steps(net, facts)
    return Derivation(
        f"Matrix deep linear network, depth N = {n}, every width (theory ids hessian-gauss-newton, "
        "output-gram-spectrum, bilinear-lower-bound)",
        (
            "W_k, D_k real d_k x d_(k-1), T real d_N x d_0, for every d_0, ..., d_N >= 1 (non-commuting symbols)",
            "Sigma_x = C C with C = Sigma_x^(1/2) symmetric",
            "L = 1/2 tr(E Sigma_x E^T), E = P - T, P = W_N ... W_1; A_k = W_(N:k+1), B_k = W_(k-1:1)",
            "global minima: P = T (all widths >= rank T); u, v unit vectors",
        ),
        tuple(steps),
    )
