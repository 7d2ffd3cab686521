"""Scalar deep linear networks (every d_k = 1) in closed form: theory id scalar-closed-form.

The network is f(x) = w_N ... w_1 x with input variance E[x^2] = sigma^2 and
noise-free target y = T x, so the loss is

    L(w) = sigma^2/2 (P - T)^2,   P = w_1 w_2 ... w_N.

Closed forms, written without division so that zero weights are allowed
(g_k = prod_{j != k} w_j, R_ij = prod_{k != i, j} w_k):

    dL/dw_i         = sigma^2 (P - T) g_i
    d2L/dw_i^2      = sigma^2 g_i^2
    d2L/dw_i dw_j   = sigma^2 (g_i g_j + (P - T) R_ij)       (i != j)

At a global minimum (P = T) the residual term (P - T) R vanishes: H = sigma^2 g g^T
has rank one, its only nonzero eigenvalue is the trace sigma^2 sum_k g_k^2, and
over all minima that value is at least N sigma^2 |T|^(2 - 2/N) (AM-GM), with
equality exactly when |w_k| = |T|^(1/N) for every k.

Symbols: w_k real, sigma positive, T real and nonzero. Indices in the public
methods are 1-based (w_1 is the first layer), matching the mathematics.
Entries are built as monomials in canonical SymPy form directly from their
exponent patterns, so the N = 64 closed form takes well under a second; the
off-diagonal entries keep the structured shape sigma^2 (g_i g_j + (P - T) R_ij)
(``sympy.expand`` gives the polynomial).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from ._checks import check_depth

__all__ = ["ScalarNetwork", "scalar_network"]


@dataclass(frozen=True)
class ScalarNetwork:
    """The depth-N scalar linear network as SymPy objects (theory id scalar-closed-form).

    >>> net = scalar_network(2)
    >>> net.loss()
    sigma**2*(-T + w1*w2)**2/2
    >>> net.hessian()
    Matrix([
    [                 sigma**2*w2**2, sigma**2*(w1*w2 + (-T + w1*w2))],
    [sigma**2*(w1*w2 + (-T + w1*w2)),                  sigma**2*w1**2]])
    >>> net.sharpness_at_minimum(), net.flattest_sharpness()
    (sigma**2*(w1**2 + w2**2), 2*sigma**2*Abs(T))
    """

    depth: int
    weights: tuple[sp.Symbol, ...]
    sigma: sp.Symbol
    target: sp.Symbol
    _order: tuple[int, ...] = field(repr=False, compare=False)

    # -- monomials ----------------------------------------------------------------
    def monomial(self, exponents: tuple[int, ...] | list[int], sigma_power: int = 0) -> sp.Expr:
        """sigma^sigma_power prod_k w_k^(e_k) (integer exponents >= 0), built directly in canonical form.

        SymPy orders the factors of a product as: the plain symbols, then the powers,
        each in SymPy's symbol order (``_order``, computed once); building that tuple directly
        skips the general product normalisation (the cost that makes a naive N = 64
        Hessian take seconds). tests/symbolic/test_scalar.py checks the result is the very
        object SymPy builds.
        """
        symbols = self.weights + (self.sigma,)
        exps = list(exponents) + [sigma_power]
        plain = [symbols[k] for k in self._order if exps[k] == 1]
        powers = [sp.Pow(symbols[k], exps[k]) for k in self._order if exps[k] >= 2]
        args = plain + powers
        if not args:
            return sp.S.One
        if len(args) == 1:
            return args[0]
        return sp.Mul._from_args(args, True)  # symbols and their powers commute

    def product(self) -> sp.Expr:
        """P = w_1 ... w_N, the end-to-end gain."""
        return self.monomial([1] * self.depth)

    @functools.cached_property
    def _excess(self) -> sp.Expr:
        """P - T, built once (every off-diagonal Hessian entry holds it)."""
        return self.product() - self.target

    def path_factor(self, i: int) -> sp.Expr:
        """g_i = prod_{k != i} w_k (1-based i): the derivative of P by w_i."""
        e = [1] * self.depth
        e[self._index(i)] = 0
        return self.monomial(e)

    def residual_factor(self, i: int, j: int) -> sp.Expr:
        """R_ij = prod_{k != i, j} w_k for i != j (1-based): the second derivative of P."""
        a, b = self._index(i), self._index(j)
        if a == b:
            raise ValueError("residual_factor needs i != j")
        e = [1] * self.depth
        e[a] = e[b] = 0
        return self.monomial(e)

    def _index(self, i: int) -> int:
        if not 1 <= i <= self.depth:
            raise IndexError(f"layer index must be in 1..{self.depth}, got {i}")
        return i - 1

    # -- loss and derivatives -------------------------------------------------------
    def loss(self) -> sp.Expr:
        """L = sigma^2/2 (P - T)^2."""
        return self.sigma**2 * (self.product() - self.target) ** 2 / 2

    def gradient(self) -> sp.ImmutableMatrix:
        """(N, 1) column: dL/dw_i = sigma^2 (P - T) g_i.

        >>> scalar_network(3).gradient().T
        Matrix([[sigma**2*w2*w3*(-T + w1*w2*w3), sigma**2*w1*w3*(-T + w1*w2*w3), sigma**2*w1*w2*(-T + w1*w2*w3)]])
        """
        excess = self._excess
        return sp.ImmutableMatrix([self.sigma**2 * excess * self.path_factor(i) for i in range(1, self.depth + 1)])

    def mixed_partial(self, i: int, j: int) -> sp.Expr:
        """d2L/dw_i dw_j in closed form (1-based i, j), no division anywhere.

        >>> net = scalar_network(4)
        >>> net.mixed_partial(1, 1)
        sigma**2*w2**2*w3**2*w4**2
        >>> sp.expand(net.mixed_partial(1, 2) - sp.diff(net.loss(), net.weights[0], net.weights[1]))
        0
        """
        a, b = self._index(i), self._index(j)
        s2 = self.sigma**2
        if a == b:
            e = [2] * self.depth
            e[a] = 0
            return self.monomial(e, sigma_power=2)
        e = [2] * self.depth
        e[a] = e[b] = 1
        excess, rest = self._excess, self.residual_factor(i, j)
        # Unevaluated structure sigma^2 (g_i g_j + (P - T) R_ij); every factor is commutative,
        # so the tree is assembled directly (what evaluate=False builds, minus its checks).
        residual = excess if rest == 1 else sp.Mul._from_args((excess, rest), True)
        return sp.Mul._from_args((s2, sp.Add._from_args((self.monomial(e), residual), True)), True)

    def hessian(self) -> sp.ImmutableMatrix:
        """The full (N, N) Hessian anywhere, from the closed-form mixed partials."""
        n = self.depth
        return sp.ImmutableMatrix(n, n, [self.mixed_partial(i, j) for i in range(1, n + 1) for j in range(1, n + 1)])

    def hessian_bruteforce(self) -> sp.ImmutableMatrix:
        """``sympy.hessian`` of the loss: the independent reference for small N."""
        return sp.ImmutableMatrix(sp.hessian(self.loss(), self.weights))

    # -- at global minima -------------------------------------------------------------
    def at_minimum(self, expr: Any) -> Any:
        """Substitute T = w_1 ... w_N: every point of the result is a global minimum."""
        return expr.xreplace({self.target: self.product()})  # T is a plain symbol: structural replacement

    def path_vector(self) -> sp.ImmutableMatrix:
        """(N, 1) column g with g_k = prod_{j != k} w_j (the gradient of P)."""
        return sp.ImmutableMatrix([self.path_factor(i) for i in range(1, self.depth + 1)])

    def hessian_at_minimum(self) -> sp.ImmutableMatrix:
        """sigma^2 g g^T: the Hessian at the global minimum with these weights (T = P).

        >>> scalar_network(2).hessian_at_minimum()
        Matrix([
        [sigma**2*w2**2, sigma**2*w1*w2],
        [sigma**2*w1*w2, sigma**2*w1**2]])
        """
        n = self.depth
        entries = []
        for i in range(n):
            for j in range(n):
                e = [2] * n
                e[i] -= 1
                e[j] -= 1
                entries.append(self.monomial(e, sigma_power=2))
        return sp.ImmutableMatrix(n, n, entries)

    def sharpness_at_minimum(self) -> sp.Expr:
        """lambda_max = trace = sigma^2 sum_k prod_{j != k} w_j^2 at the minimum with these weights."""
        n = self.depth
        total = []
        for k in range(n):
            e = [2] * n
            e[k] = 0
            total.append(self.monomial(e))
        return self.sigma**2 * sp.Add(*total)

    def flattest_sharpness(self) -> sp.Expr:
        """N sigma^2 |T|^(2 - 2/N): the smallest lambda_max over all global minima.

        >>> scalar_network(3).flattest_sharpness()
        3*sigma**2*Abs(T)**(4/3)
        """
        n = self.depth
        return n * self.sigma**2 * sp.Abs(self.target) ** (2 - sp.Rational(2, n))

    def flattest_weights(self) -> tuple[sp.Expr, ...]:
        """A flattest minimum: w_k = |T|^(1/N) for k < N and w_N = sign(T) |T|^(1/N).

        Every flattest minimum has |w_k| = |T|^(1/N); the signs are free up to prod = T.
        """
        root = sp.Abs(self.target) ** sp.Rational(1, self.depth)
        return tuple([root] * (self.depth - 1) + [sp.sign(self.target) * root])


@functools.lru_cache(maxsize=128, typed=True)  # typed: True must not hit the cache entry of 1
def scalar_network(depth: int) -> ScalarNetwork:
    """The depth-N scalar network with symbols w1..wN (real), sigma (positive), T (real, nonzero).

    >>> scalar_network(3).weights
    (w1, w2, w3)
    """
    n = check_depth(depth)
    weights = sp.symbols(f"w1:{n + 1}", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    symbols = tuple(weights) + (sigma,)  # index n is sigma
    order = tuple(sorted(range(n + 1), key=functools.cmp_to_key(lambda a, b: symbols[a].compare(symbols[b]))))
    target = sp.Symbol("T", real=True, nonzero=True)
    return ScalarNetwork(n, tuple(weights), sigma, target, order)
